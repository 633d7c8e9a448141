"""Forms for need to know (issue 25): covering another service, and a person moving service.

The rules stay in ``services/scope.py`` (a reason is required, the person must be found in
that service, a move needs another open service), which refuses with its own message.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from .fields import IsoDate, WholeNumber, strip, within


class CoverForm(FlaskForm):
    """Open one person of another service while covering there: the service, the person's
    full name, and why (required)."""

    service_id = WholeNumber(
        _l("The service you are covering"),
        validators=[InputRequired(_l("Choose the service you are covering."))],
        message=_l("Choose the service you are covering."),
    )
    full_name = StringField(
        _l("The person's full name"),
        default="",
        filters=[strip],
        validators=[DataRequired(_l("Write the person's full name.")), within(160)],
    )
    reason = TextAreaField(
        _l("Why you need to open their record"),
        default="",
        filters=[strip],
        validators=[
            DataRequired(_l("Say why you need to open this person's record.")),
            within(500),
        ],
    )


class MoveServiceForm(FlaskForm):
    """A person moves to another service from a date."""

    service_id = WholeNumber(
        _l("The service they move to"),
        validators=[InputRequired(_l("Choose the service they move to."))],
        message=_l("Choose the service they move to."),
    )
    moved_on = IsoDate(
        _l("The date of the move"),
        validators=[InputRequired(_l("Enter the date of the move."))],
        message=_l("Enter a real date."),
    )
