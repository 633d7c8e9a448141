"""The administrators' Messages page: which messages to list (issue 18)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

STATUS_CHOICES = [
    ("", _l("Every message")),
    ("waiting", _l("Waiting to be sent")),
    ("sending", _l("Being sent")),
    ("sent", _l("Sent")),
    ("failed", _l("Failed")),
]


class MessagesFilterForm(FlaskForm):
    """Read from the address (a GET): a status from the list and a page number."""

    class Meta:
        # A GET's query string carries no token; nothing is changed by it.
        csrf = False

    status = SelectField(
        _l("Show"),
        choices=[SelectChoice(value, label) for value, label in STATUS_CHOICES],
        default="",
        validate_choice=True,
    )
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(min=1, max=100_000)])
