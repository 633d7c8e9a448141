"""Forms for joint problem-solving meetings (issue 17): one form class per write.

The rules (who may be invited, what the record needs) stay in
``services/governance/joint_meetings.py``, which refuses with its own messages; these only read
what was typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from .fields import IsoDate, WholeNumber, picked
from .lifecycle import ClockTime

WHEN_MESSAGE = _l("Enter the day as a real date and the time as hours and minutes.")


class ArrangeMeetingForm(FlaskForm):
    """The easy-read question, the day, time and place, and who is invited."""

    question = TextAreaField(default="")
    on = IsoDate(message=WHEN_MESSAGE)
    starts_at = ClockTime(message=WHEN_MESSAGE)
    at_home = BooleanField()
    place = TextAreaField(default="")
    invitees = picked()


class CancelJointMeetingForm(FlaskForm):
    """Why the meeting is cancelled (and the version it was read at)."""

    version = HiddenField()
    reason = TextAreaField(default="")


class OptionForm(FlaskForm):
    """An option discussed, and who raised it."""

    text = TextAreaField(default="")
    raised_by = StringField(default="")


class NoteForm(FlaskForm):
    """What one party said, in their name (for the person: how it was captured)."""

    party = StringField(default="")
    said = TextAreaField(default="")
    method = StringField(default="")


class WayForwardForm(FlaskForm):
    """The way forward agreed, why, who decided, and whether it resolves the differing view."""

    version = HiddenField()
    way_forward = TextAreaField(default="")
    reasoning = TextAreaField(default="")
    decided_by = StringField(default="")
    resolves_view = BooleanField()
    outcome_code = StringField(default="")
    followed_supporter_id = WholeNumber(message=_l("Choose the supporter from the list."))


class LinkActionForm(FlaskForm):
    """An action the meeting produced."""

    action_id = StringField(default="")


class MeetingAnswerForm(FlaskForm):
    """The person's answer to one of the meeting's prompts, on the tablet."""

    answer = picked()
    words = TextAreaField(default="")
    method = StringField(default="")


class TabletForm(FlaskForm):
    """Hand the tablet to the person for the meeting (the CSRF token only)."""
