"""A forgotten password: asking for a link, and the new password; and which optional notices
an account gets (issue 18)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectMultipleField
from wtforms.validators import DataRequired, Length


class ForgottenPasswordForm(FlaskForm):
    """The email address of the account; the answer is the same whether it has one or not."""

    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )


class NewPasswordForm(FlaskForm):
    """The new password, typed twice (the link's token is kept in the session, not here)."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[DataRequired(_l("Type the new password again.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )


class NoticeChoicesForm(FlaskForm):
    """Which optional notices an account gets: the kinds ticked (compose.OPTIONAL)."""

    wanted = SelectMultipleField(validate_choice=False, default=[])
