"""Forms for staff: people, supporters and advocacy; planning a review and the review page;
outcome actions; the staff layer; casework (agreements, who was told, safety flags).

Field names are the ones the pages post. The checks are the ones the pages always made (a
length over the limit, a date or a choice that cannot be read); the rules of the product stay
in the services, which refuse with their own message.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from ..i18n import LANGUAGES
from ..models import (
    AdvocateReason,
    AuthorityKind,
    NonParticipationReason,
    Relationship,
    ReviewKind,
    SupporterRole,
)
from ..prompts.library import Library
from ..services.reviews.actions import ActionInput
from .fields import IsoDate, WholeNumber, choice, picked, strip, within

REAL_DATE = _l("Enter a real date.")
FROM_THE_LIST = _l("Choose from the list.")
A_LANGUAGE = _l("Choose a language from the list.")


def _text(limit: int) -> StringField:
    """One line of text, trimmed, within ``limit`` characters."""
    return StringField(default="", filters=[strip], validators=[within(limit)])


def _long_text(limit: int) -> TextAreaField:
    """Text of several lines, trimmed, within ``limit`` characters."""
    return TextAreaField(default="", filters=[strip], validators=[within(limit)])


def as_sent(form: FlaskForm) -> MultiDict[str, str]:
    """The form's fields exactly as sent, for a page to show again after a refusal."""
    typed: MultiDict[str, str] = MultiDict()
    for field in form:
        for value in field.raw_data or []:
            typed.add(field.name, value)
    return typed


# --- people and supporters (views/staff/people.py) ---------------------------------------------


class NewPersonForm(FlaskForm):
    """A person supported: names, language and communication needs."""

    language = choice(LANGUAGES, A_LANGUAGE, default="en")
    preferred_name = _text(80)
    full_name = _text(160)
    date_of_birth = IsoDate(message=REAL_DATE)
    service = _text(160)  # a service's name (older pages typed it); service_id is chosen
    service_id = WholeNumber(message=FROM_THE_LIST)
    communication_needs = _long_text(2000)
    preferred_formats = StringField(default="")  # "easy read, spoken": the service splits it
    communication_review_on = IsoDate(message=REAL_DATE)


class SupporterForm(FlaskForm):
    """A supporter, with their legal authority where they have one."""

    role = choice(SupporterRole, _l("Choose the supporter's role."))
    name = StringField(
        default="",
        filters=[strip],
        validators=[DataRequired(_l("Enter the supporter's name.")), within(160)],
    )
    user_id = WholeNumber()  # an advocate's account, or none
    relationship = choice(Relationship, _l("Choose who they are to the person from the list."))
    relationship_note = _text(160)
    communication_needs = _long_text(2000)
    email = _text(254)
    phone = _text(40)
    # How the code of a family link reaches them (issue 18): a text message, a second email,
    # or staff by phone. The service checks it (people.CODE_BY).
    code_by = RadioField(validate_choice=False, default="phone")
    language = RadioField(
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validate_choice=False,
        default="en",
    )
    authority_kind = choice(["", *AuthorityKind], FROM_THE_LIST, default="")
    authority_scope = _long_text(2000)
    authority_reference = _text(80)
    authority_registered_on = IsoDate(message=REAL_DATE)
    authority_checked = BooleanField()

    def language_code(self) -> str:
        """The supporter's language; one not on the list is read as English."""
        return self.language.data if self.language.data in LANGUAGES else "en"


class AdvocacyForm(FlaskForm):
    """Whether the person needs an independent advocate, and why (Care Act s67)."""

    needed = RadioField(
        choices=[SelectChoice("yes", "yes"), SelectChoice("no", "no")], validate_choice=False
    )
    reason = choice(["", *AdvocateReason], FROM_THE_LIST, default="")
    difficulty = picked()
    detail = _long_text(2000)


# --- planning a review and the review page (views/staff/staff.py) ------------------------------

PLAN_PROBLEM = _l("Enter the date of the review and choose what kind of review it is.")


class PlanReviewForm(FlaskForm):
    """A review planned: what kind, on what date, and who facilitates it."""

    kind = choice(ReviewKind, PLAN_PROBLEM)
    scheduled_for = IsoDate(validators=[DataRequired(PLAN_PROBLEM)], message=PLAN_PROBLEM)
    facilitator_id = WholeNumber()  # one of the list, or none

    def scheduled_on(self) -> date:
        """The review's date (a form without one is not sent: ``DataRequired``)."""
        when = self.scheduled_for.data
        assert isinstance(when, date)
        return when


class ReviewPromptsForm(FlaskForm):
    """The prompts ticked for a review, each with a number that sets its place.

    Made for the library by ``review_prompts_form``: one ``order-<prompt id>`` field a prompt.
    """

    prompt = picked()
    _library_order: ClassVar[dict[str, int]] = {}
    _order_fields: ClassVar[dict[str, str]] = {}

    def validate_prompt(self, field: Field) -> None:
        if any(prompt_id not in self._library_order for prompt_id in field.data):
            raise ValidationError(_l("That prompt is not in the library."))

    def orders(self) -> dict[str, int]:
        """Each ticked prompt's number; one left empty or not a number comes last (999)."""
        numbers = {}
        for prompt_id in self.prompt.data or []:
            field = self._order_fields.get(prompt_id)  # none for a prompt not in the library
            number = self[field].data if field else None
            numbers[prompt_id] = LAST if number is None else number
        return numbers

    def ordered(self) -> list[str]:
        """The ticked prompts by their numbers, then in library order."""
        orders = self.orders()
        return sorted(self.prompt.data or [], key=lambda p: (orders[p], self._library_order[p]))


LAST = 999


@cache
def _prompts_form_class(prompt_ids: tuple[str, ...]) -> type[ReviewPromptsForm]:
    attributes: dict[str, Any] = {
        "_library_order": {prompt_id: i for i, prompt_id in enumerate(prompt_ids)},
        "_order_fields": {prompt_id: f"order_{i}" for i, prompt_id in enumerate(prompt_ids)},
    }
    for i, prompt_id in enumerate(prompt_ids):
        attributes[f"order_{i}"] = WholeNumber(name=f"order-{prompt_id}")
    return type("LibraryPromptsForm", (ReviewPromptsForm,), attributes)


def review_prompts_form(library: Library) -> ReviewPromptsForm:
    """The prompts form for this library's prompts (one class a library, made once)."""
    return _prompts_form_class(tuple(p.id for p in library.all_prompts()))()


class CommunicationForm(FlaskForm):
    """Communication needs, preferred formats and language, and the tablet settings beside them.

    The tablet settings are many fixed choices, read and checked by
    ``views/person/screens.save_settings`` (shared with the tablet's own settings screen), so
    this form keeps everything sent (``everything``) for it and for the page shown again.
    """

    class Meta:
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            sent = super().wrap_formdata(form, formdata)  # type: ignore[misc]
            form.everything = MultiDict(sent) if sent is not None else MultiDict()
            return sent

    everything: MultiDict[str, Any]
    language = choice(LANGUAGES, A_LANGUAGE, default="en")
    version = WholeNumber()
    communication_needs = TextAreaField()
    preferred_formats = StringField(default="")  # "easy read, spoken": the service splits it
    review_on = IsoDate(message=REAL_DATE)


class NonParticipationForm(FlaskForm):
    """Why the person could not take part, what was tried, and when to try again."""

    reason = choice(NonParticipationReason, _l("Choose a reason and enter a real date."))
    what_was_tried = TextAreaField(default="")
    try_again_on = IsoDate(message=_l("Choose a reason and enter a real date."))
    detail = TextAreaField()


class CorrectionForm(FlaskForm):
    """A correction to what the person said: the words as they should be, and why."""

    reason = TextAreaField(default="")
    words = TextAreaField(default="")


# --- outcome actions (views/staff/actions.py) --------------------------------------------------

ACTION_PROBLEM = _l("Enter the date as a real date, and choose the owner from the list.")


class ActionForm(FlaskForm):
    """An outcome action: the statements it answers, its words, picture, owner and date."""

    statement = picked()  # the ids of the person's statements it answers
    plain_text = TextAreaField(default="")
    easy_read_text = TextAreaField(default="")
    picture = StringField(default="")
    owner_name = StringField(default="")
    owner_user_id = WholeNumber(message=ACTION_PROBLEM)
    due_on = IsoDate(message=ACTION_PROBLEM)
    no_link_reason = StringField(default="")
    version = WholeNumber()  # the version the page was read at (a change), or none

    def validate_statement(self, field: Field) -> None:
        try:
            self.statement_ids()
        except ValueError:
            raise ValidationError(ACTION_PROBLEM) from None

    def statement_ids(self) -> list[int]:
        return [int(v) for v in self.statement.data or [] if v.strip()]

    def action_input(self) -> ActionInput:
        """What was written, as the actions service takes it."""
        return ActionInput(
            statement_ids=self.statement_ids(),
            plain_text=self.plain_text.data or "",
            easy_read_text=self.easy_read_text.data or "",
            picture=self.picture.data or None,
            owner_name=self.owner_name.data or "",
            owner_user_id=self.owner_user_id.data,
            due_on=self.due_on.data,
            no_link_reason=self.no_link_reason.data or None,
        )

    def typed(self) -> MultiDict[str, str]:
        return as_sent(self)


class AdviceForm(FlaskForm):
    """The easy-read text being typed and the picture chosen, for the advice beside them."""

    easy_read_text = TextAreaField(default="")
    picture = StringField(default="")


class ActionStatusForm(FlaskForm):
    """An action moved on: its status, the reason when not done, and the version it was at."""

    status = StringField(default="")  # the service says when it is not one of the list
    version = WholeNumber()
    not_done_reason = StringField()


# --- the staff layer (views/staff/layers.py) ---------------------------------------------------


class StaffNoteForm(FlaskForm):
    """A staff note on a topic, or on the whole review ("whole-review" or none)."""

    topic = StringField()
    note = TextAreaField(default="")


class DifferingFromContributionForm(FlaskForm):
    """A differing-view record opened from a supporter's contribution: what differs."""

    summary = TextAreaField(default="")


# --- casework (views/staff/casework.py) --------------------------------------------------------

CASEWORK_DATE = _l("Enter dates like 2027-03-12.")


class AgreementForm(FlaskForm):
    """A supporter's involvement agreement (the service checks every part)."""

    version = StringField()  # the version the page was read at, as the service reads it
    areas = picked()
    decisions = TextAreaField(default="")  # one decision a line
    may_see = TextAreaField()
    contact_preference = StringField()
    escalation_route = TextAreaField()
    review_on = IsoDate(message=CASEWORK_DATE)

    def decision_lines(self) -> list[str]:
        return (self.decisions.data or "").splitlines()


class PersonAnswerForm(FlaskForm):
    """The person's own answer to their supporter's agreement, and how they gave it."""

    version = StringField()
    answer = StringField(default="")
    method = StringField(default="")
    words = TextAreaField()


class ToldForm(FlaskForm):
    """Who was told about the review's outcome or a decision, when, how, in what format."""

    subject = StringField(default="")
    recipient_kind = StringField(default="")
    supporter_id = WholeNumber()  # one of the person's supporters, or none
    recipient_name = StringField()
    told_on = IsoDate(message=CASEWORK_DATE)
    method = StringField(default="")
    formats = picked()
    note = TextAreaField()


class SafetyFlagForm(FlaskForm):
    """A flag on the person's words; ``next`` is the page to go back to (on this site only)."""

    next = StringField()
