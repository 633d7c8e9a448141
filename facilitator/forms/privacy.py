"""Forms for privacy: recording the day a person's care and support ended (or clearing it)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from ..services import ServiceError
from .fields import IsoDate, Unreadable

TYPED_LIMIT = 40  # what is shown again after a mistake


class CareEndedForm(FlaskForm):
    """The day care ended, typed as YYYY-MM-DD; ``clear`` (any value) says care goes on."""

    care_ended_on = IsoDate(message=_l("Enter a real date, for example 2026-03-31."))
    clear = StringField(default="")

    @property
    def typed(self) -> str:
        """The day as it was typed, to show again after a mistake ("" when none)."""
        raw = self.care_ended_on.raw_data
        return (raw[0] if raw else "").strip()[:TYPED_LIMIT]

    def day(self) -> date | None:
        """The day care ended, or None to clear it; a refusal when it is missing or unreal.

        Whether the day is in the future is the service's rule (``retention``)."""
        if self.clear.data:
            return None
        if not self.validate():
            raise Unreadable(self)
        if self.care_ended_on.data is None:
            raise ServiceError(_l("Enter the day care ended."))
        day: date = self.care_ended_on.data
        return day
