"""Flask extensions, created once here and bound to the app in create_app()."""

from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from . import rate_limits  # noqa: F401  (registers the facilitator+sqlite:// storage)
from .db import Database
from .messages import MessageBabel

db = Database()
csrf = CSRFProtect()
babel = MessageBabel()  # translations that remember their message id (see messages.py)
htmx = HTMX()
login_manager = LoginManager()
# Brotli or gzip for CSS, JS and SVG: a tablet on poor wifi gets the next prompt sooner.
compress = Compress()

# Shared between workers and instances when REDIS_URL is set (RATELIMIT_STORAGE_URI), else
# between the workers on this machine through a SQLite file (``rate_limits`` registers it).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
