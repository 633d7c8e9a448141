"""Sign-in and account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..models import Role


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class CreateUserForm(FlaskForm):
    name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)]
    )
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(_l("Enter an email address.")),
            Length(max=254),
        ],
        render_kw={"spellcheck": "false", "autocapitalize": "off"},
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.STAFF.value, _l("Staff")),
            SelectChoice(Role.ADVOCATE.value, _l("Advocate")),
            SelectChoice(Role.MANAGER.value, _l("Manager")),
            SelectChoice(Role.ADMIN.value, _l("Administrator")),
        ],
    )
    password = PasswordField(
        _l("Temporary password"),
        validators=[
            DataRequired(_l("Enter a password.")),
            Length(min=12, max=200, message=_l("Use at least 12 characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
