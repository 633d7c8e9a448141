"""Forms for the second sign-in step, the account page, the language chosen and administrators'
account actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..i18n import LANGUAGES
from ..models import Role


class CodeForm(FlaskForm):
    """A six-digit code from the app (or, when signing in, a recovery code)."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(_l("Enter the code.")), Length(max=40)],
        render_kw={
            "autocomplete": "one-time-code",
            "spellcheck": "false",
            "autocapitalize": "off",
            "class": "input input-code",
        },
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter a new password.")),
            Length(min=12, max=200, message=_l("Use at least 12 characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(_l("Type the new password again.")),
            EqualTo("new", _l("The two new passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ReasonForm(FlaskForm):
    """Why an administrator switches the second step off for one account."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Write the reason.")),
            Length(min=5, max=300, message=_l("Write the reason in 5 to 300 characters.")),
        ],
    )


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""


class PasswordCheckForm(FlaskForm):
    """Your password again, before a change to how you sign in (new recovery codes, a reset)."""

    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Type your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class LanguageForm(FlaskForm):
    """A language chosen: from the switcher on every page (with the page to go back to), or
    for one's account. Anything but a supported language does not read (400)."""

    language = SelectField(
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validators=[DataRequired()],
    )
    back = StringField(validators=[Optional()])

    def back_to(self, default: str) -> str:
        """The page to go back to, if it is on this site; ``default`` otherwise."""
        back = self.back.data or ""
        return back if back.startswith("/") and not back.startswith("//") else default


ROLE_CHOICES = [
    SelectChoice(Role.STAFF.value, _l("Staff")),
    SelectChoice(Role.ADVOCATE.value, _l("Advocate")),
    SelectChoice(Role.MANAGER.value, _l("Manager")),
    SelectChoice(Role.ADMIN.value, _l("Administrator")),
]


class RoleForm(FlaskForm):
    """An administrator changes an account's role."""

    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])


_PIN_ATTRS = {
    "inputmode": "numeric",
    "autocomplete": "off",
    "spellcheck": "false",
    "class": "input input-code",
}


class PinForm(FlaskForm):
    """An administrator sets or resets someone's tablet PIN."""

    pin = PasswordField(
        _l("New tablet PIN"),
        validators=[DataRequired(_l("Enter a PIN of 4 to 8 digits."))],
        render_kw=_PIN_ATTRS,
    )


class OwnPinForm(FlaskForm):
    """You change your own tablet PIN, with your password."""

    new_pin = PasswordField(
        _l("New tablet PIN"),
        validators=[DataRequired(_l("Enter a PIN of 4 to 8 digits."))],
        render_kw=_PIN_ATTRS,
    )
    pin_password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Type your password.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class TemporaryPasswordForm(FlaskForm):
    """An administrator resets a password: the owner must choose a new one at next sign-in."""

    temporary_password = PasswordField(
        _l("Temporary password"),
        validators=[
            DataRequired(_l("Enter a password.")),
            Length(min=12, max=200, message=_l("Use at least 12 characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
