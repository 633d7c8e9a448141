"""Forms for the governance registers and safety flags: one form class per write.

The services check every value (the rules of each record live there), so these forms only
read what was sent, as leniently as the pages always have: a missing text is None, a number
that is not a whole number is None, checkboxes give the whole numbers among them, and a
"yes" box is true only when it says "yes". The one thing a form refuses itself is a date that
is not written as a date (``read``), shown on the page again like any other refusal.

Dates and ids are read by the field types the staff forms share (``forms/fields.py``). What is
typed is a ``StringField`` (the hostile-text tests fill each one); what the page offers
(a choice from a list, the hidden version a record was read at) is a ``Chosen`` value.

Field names are the names the services take, so a view passes ``form.arguments()`` on.
"""

from __future__ import annotations

from typing import Any, Self

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField

from ..services import ServiceError
from ..services.governance.capacity import FUNCTIONAL_TESTS
from .fields import IsoDate, WholeNumber

DATE_MESSAGE = _l("Enter dates like 2027-03-12.")


class FormError(ServiceError):
    """A field could not be read: a date not written as one."""


def _first(valuelist: list[Any]) -> str:
    return str(valuelist[0]).strip() if valuelist else ""


class WholeNumberField(WholeNumber):
    """A record's id: digits only (no sign); None when empty or anything else ("none chosen")."""

    def read(self, raw: str) -> int:
        if not (raw.isascii() and raw.isdigit()):
            raise ValueError(raw)
        return int(raw)


class WholeNumbersField(Field):
    """Every whole number sent under the name (ticked checkboxes); others are left out."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [int(v) for v in valuelist if v.isascii() and v.isdigit()]


class IsoDateField(IsoDate):
    """A date written YYYY-MM-DD (as a date input sends it); None when empty. Anything else is
    the governance pages' one message about dates."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, message=DATE_MESSAGE, **kwargs)


class YesField(Field):
    """A box that means yes only when it sends "yes"."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = _first(valuelist) == "yes"


class YesNoField(Field):
    """A yes/no question: True, False, or None when it was not answered."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = {"yes": True, "no": False}.get(_first(valuelist))


class Chosen(Field):
    """A value the page offers rather than one typed: a choice from a list, a hidden version.

    Passed on as sent ("" when nothing was sent); the service checks it.
    """

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = str(valuelist[0]) if valuelist else ""


def _none_if_empty(value: str | None) -> str | None:
    return value or None


class GovernanceForm(FlaskForm):
    """What one write sends: read leniently, checked by the service it is passed to."""

    class Meta:
        # The app checks every POST's CSRF token before the view runs (extensions.csrf); the
        # forms are also read from query strings, which carry no token.
        csrf = False

    def read(self) -> Self:
        """The form as sent, or a refusal when a date is not a date (the page shows it)."""
        if not self.validate():
            unreadable = [field for field in self if field.errors]
            assert all(isinstance(field, IsoDate) for field in unreadable)
            raise FormError(DATE_MESSAGE)
        return self

    def arguments(self, *leave_out: str) -> dict[str, Any]:
        """The values by field name, as the service takes them."""
        return {field.name: field.data for field in self if field.name not in leave_out}

    def typed(self, name: str) -> str:
        """What was typed in a field, exactly as sent (to show it again after a refusal)."""
        raw = self[name].raw_data
        return str(raw[0]) if raw else ""


class ButtonForm(GovernanceForm):
    """A button: nothing to read but that it was pressed."""


class VersionForm(GovernanceForm):
    """A change that needs only the version the page was read at."""

    version = Chosen()


# --- records and filters read from the address -------------------------------------------------


class PeriodForm(GovernanceForm):
    """The dashboard's period and service."""

    start = IsoDateField()
    end = IsoDateField()
    service = Chosen()


class OutcomesForm(GovernanceForm):
    """The outcome figures' period and service (a service by its id)."""

    start = IsoDateField()
    end = IsoDateField()
    service = WholeNumberField()


class FiguresExportForm(PeriodForm):
    """The figures to export: the period and service, and one figure or every one."""

    figure = Chosen(filters=[_none_if_empty])

    def arguments(self, *leave_out: str) -> dict[str, Any]:
        """The period as ``make_period`` takes it (the figure is read on its own)."""
        return super().arguments("figure", *leave_out)


class AuditFilterForm(GovernanceForm):
    """The audit log's filter and page."""

    person_id = WholeNumberField()
    user_id = WholeNumberField()
    action = Chosen(filters=[lambda v: (v or "").strip() or None])
    date_from = IsoDateField(name="from")
    date_to = IsoDateField(name="to")
    page = WholeNumberField()
    verify = Chosen()


class RegisterFilterForm(GovernanceForm):
    """A register's filters: status, route and service (each may be left empty)."""

    status = Chosen(filters=[_none_if_empty])
    route = Chosen(filters=[_none_if_empty])
    service = Chosen(filters=[_none_if_empty])


class AssessmentForm(GovernanceForm):
    """A capacity assessment for one decision, and whose (from the address or the form)."""

    person_id = WholeNumberField()
    differing_view_id = WholeNumberField()
    review_id = WholeNumberField()
    decision = StringField()
    area = Chosen()
    doubt_reason = StringField()
    steps_taken = StringField()
    understand = YesNoField()
    retain = YesNoField()
    use_or_weigh = YesNoField()
    communicate = YesNoField()
    understand_note = StringField()
    retain_note = StringField()
    use_or_weigh_note = StringField()
    communicate_note = StringField()
    impairment = StringField()
    assessed_on = IsoDateField()

    def arguments(self, *leave_out: str) -> dict[str, Any]:
        """The assessment as ``capacity.assess`` takes it: findings and notes by test."""
        tests = FUNCTIONAL_TESTS
        given = super().arguments(
            "person_id", "differing_view_id", "review_id", *tests, *(f"{t}_note" for t in tests)
        )
        given["findings"] = {name: self[name].data for name in tests}
        given["notes"] = {name: self[f"{name}_note"].data for name in tests}
        return {name: value for name, value in given.items() if name not in leave_out}


class WishesForm(VersionForm):
    """The person's wishes, beliefs and values, and the less restrictive options."""

    past_wishes = StringField()
    present_wishes = StringField()
    beliefs_values = StringField()
    less_restrictive = StringField()


class LinkStatementForm(VersionForm):
    """One of the person's own statements, linked as a wish."""

    response_id = WholeNumberField()


class ConsulteeForm(VersionForm):
    """Someone consulted about a best-interests decision, and what they said."""

    supporter_id = WholeNumberField()
    name = StringField()
    role = Chosen()
    view = StringField()
    consulted_on = IsoDateField()


class BestInterestsDecisionForm(VersionForm):
    """The best-interests decision."""

    decision = StringField()
    reasoning = StringField()
    decided_on = IsoDateField()


class ComplaintForm(GovernanceForm):
    """A complaint about involvement, as received."""

    person_id = WholeNumberField()
    raised_by = StringField()
    raised_by_role = StringField()
    about = StringField()
    topic = Chosen()
    received_on = IsoDateField()
    response_due_on = IsoDateField()


class AcknowledgementForm(VersionForm):
    acknowledged_on = IsoDateField()


class ResponseDateForm(VersionForm):
    response_due_on = IsoDateField()


class ComplaintResponseForm(VersionForm):
    response = StringField()
    outcome = StringField()
    responded_on = IsoDateField()
    ombudsman_route_stated = YesField()


class DifferingViewForm(GovernanceForm):
    """A differing view opened from the register."""

    review_id = WholeNumberField()
    summary = StringField()
    topic_id = Chosen(filters=[_none_if_empty])
    about_wishes = YesField()
    response_ids = WholeNumbersField()


class PartyForm(VersionForm):
    """A party to a differing view, with what they said."""

    kind = Chosen()
    supporter_id = WholeNumberField()
    user_id = WholeNumberField()
    position = StringField()
    response_ids = WholeNumbersField()
    contribution_ids = WholeNumbersField()


class RouteForm(VersionForm):
    route = Chosen()
    response_due_on = IsoDateField()
    report_received_on = IsoDateField()


class WrittenResponseForm(VersionForm):
    sent_on = IsoDateField()


class OutcomeForm(VersionForm):
    """How a differing view was resolved: coded (a choice, with the supporter or capacity
    assessment the code names) as well as written."""

    outcome_code = Chosen()
    followed_supporter_id = WholeNumberField()
    assessment_id = WholeNumberField()
    outcome = StringField()
    reasoning = StringField()
    decision_maker = StringField()
    decided_on = IsoDateField()


class SafetyDecisionForm(VersionForm):
    """What was done about a safety flag, and whether that clears it."""

    action = Chosen()
    detail = StringField()
    acted_on = IsoDateField()
    referral_to = StringField()
    referral_reference = StringField()
    clears = YesField()
