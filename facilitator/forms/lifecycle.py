"""Forms for a review's lifecycle: closing it, and reopening it (issue 17).

The rules (what closing needs, who may reopen) stay in ``services/reviews/lifecycle.py``,
which refuses with its own message; these only read what was typed.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField

from .fields import IsoDate, WholeNumber, _OneValue, picked


class CloseReviewForm(FlaskForm):
    """What was agreed, who agreed it, and the reasons for anything not done first."""

    summary = TextAreaField(default="")
    agreed_by = TextAreaField(default="")
    unanswered_reason = TextAreaField(default="")
    not_shared_reason = TextAreaField(default="")


class ReopenReviewForm(FlaskForm):
    """Why a closed review is being reopened."""

    reason = TextAreaField(default="")


class ClockTime(_OneValue):
    """A time typed as HH:MM (``time.fromisoformat``); ``None`` when left empty."""

    def read(self, raw: str) -> time:
        return time.fromisoformat(raw)

    def shown(self, data: Any) -> str:
        return data.strftime("%H:%M") if isinstance(data, time) else str(data)


class MeetingForm(FlaskForm):
    """The day, time and place of a review's meeting, who is invited, and why if it moved."""

    on = IsoDate(message=_l("Enter the day as a real date and the time as hours and minutes."))
    starts_at = ClockTime(
        message=_l("Enter the day as a real date and the time as hours and minutes.")
    )
    at_home = BooleanField()
    place = TextAreaField(default="")
    invitees = picked()
    reason = TextAreaField(default="")


class CancelMeetingForm(FlaskForm):
    """Why a review's meeting is cancelled."""

    reason = TextAreaField(default="")


class IntervalForm(FlaskForm):
    """Months from one review to the next for this person (empty: the provider's interval)."""

    months = WholeNumber(message=_l("Enter the number of months as a whole number."))
