"""Flask extensions, created once here and bound to the app in create_app()."""

from flask_babel import Babel
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from .db import Database

db = Database()
csrf = CSRFProtect()
babel = Babel()
htmx = HTMX()
login_manager = LoginManager()
