"""The governance forms read what the pages send as leniently as the pages always did, and
name their fields as the services take them (forms/governance.py)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from facilitator.forms import governance as forms
from facilitator.services.governance import (
    best_interests,
    capacity,
    complaints,
    differing,
    differing_parties,
    safeguarding,
)
from facilitator.services.reporting import dashboard


def _read(app: Flask, form_class: type[forms.GovernanceForm], **sent: Any) -> Any:
    with app.test_request_context():
        return form_class(formdata=MultiDict(sent)).read()


def test_dates_numbers_and_boxes_are_read_as_before(app: Flask) -> None:
    form = _read(
        app,
        forms.PartyForm,
        version=" 3 ",
        kind="supporter",
        supporter_id=" 12 ",
        user_id="someone",
        response_ids=["1", "x", "3", "-4"],
    )
    assert form.arguments() == {
        "version": " 3 ",  # the service reads the version (versions.sent_version)
        "kind": "supporter",
        "supporter_id": 12,
        "user_id": None,  # not a number: none chosen
        "position": None,  # not sent
        "response_ids": [1, 3],
        "contribution_ids": [],
    }
    assert _read(app, forms.PartyForm).kind.data == ""  # a choice not sent is empty
    dated = _read(app, forms.RouteForm, response_due_on=" 2027-03-12 ", report_received_on="")
    assert (dated.response_due_on.data, dated.report_received_on.data) == (date(2027, 3, 12), None)
    for sent, meant in (("yes", True), ("no", False), ("on", False), (None, False)):
        answer = {} if sent is None else {"clears": sent}
        assert _read(app, forms.SafetyDecisionForm, **answer).clears.data is meant
    assessed = _read(app, forms.AssessmentForm, understand="yes", retain="no", communicate="?")
    assert assessed.arguments()["findings"] == {
        "understand": True,
        "retain": False,
        "use_or_weigh": None,
        "communicate": None,
    }


@pytest.mark.parametrize("written", ["12/03/2027", "2027-13-01", "tomorrow"])
def test_a_date_that_is_not_a_date_is_refused_with_the_pages_message(
    app: Flask, written: str
) -> None:
    with pytest.raises(forms.FormError, match="Enter dates like 2027-03-12."):
        _read(app, forms.AcknowledgementForm, version="1", acknowledged_on=written)


def test_what_the_page_offers_is_passed_on_as_chosen_and_only_typed_text_is_text(
    app: Flask,
) -> None:
    register = _read(app, forms.RegisterFilterForm, status="open", route="")
    assert register.arguments() == {"status": "open", "route": None, "service": None}
    export = _read(app, forms.FiguresExportForm, figure="", service="Oak")
    assert export.figure.data is None and export.arguments() == {
        "start": None,
        "end": None,
        "service": "Oak",
    }
    with app.test_request_context():
        typed = {
            field.name
            for form_class in (forms.VersionForm, forms.RouteForm, forms.PartyForm)
            for field in form_class(formdata=MultiDict())
            if isinstance(field, StringField)
        }
    assert typed == {"position"}  # versions and choices are offered by the page, not typed


def test_what_was_typed_is_given_back_as_sent(app: Flask) -> None:
    with app.test_request_context():
        form = forms.ComplaintForm(formdata=MultiDict({"received_on": "12/03", "about": " x "}))
        assert form.typed("received_on") == "12/03" and form.typed("about") == " x "
        assert form.typed("raised_by") == ""


WRITES: list[tuple[type[forms.GovernanceForm], Callable[..., Any]]] = [
    (forms.AssessmentForm, capacity.assess),
    (forms.WishesForm, best_interests.update_best_interests),
    (forms.LinkStatementForm, best_interests.link_wish),
    (forms.ConsulteeForm, best_interests.add_consultee),
    (forms.BestInterestsDecisionForm, best_interests.decide),
    (forms.AcknowledgementForm, complaints.acknowledge),
    (forms.ResponseDateForm, complaints.agree_response_date),
    (forms.ComplaintResponseForm, complaints.respond),
    (forms.PartyForm, differing_parties.add_party),
    (forms.VersionForm, differing_parties.remove_party),
    (forms.RouteForm, differing.set_route),
    (forms.WrittenResponseForm, differing.record_written_response),
    (forms.OutcomeForm, differing.resolve),
    (forms.SafetyDecisionForm, safeguarding.record_decision),
    (forms.RegisterFilterForm, differing.register),
    (forms.PeriodForm, dashboard.make_period),
    (forms.FiguresExportForm, dashboard.make_period),
]
# Fields that say which record, not what to write: the view looks the record up.
WHICH = {
    forms.ComplaintForm: ({"person_id"}, complaints.receive),
    forms.DifferingViewForm: ({"review_id"}, differing.open_view),
}


@pytest.mark.parametrize(("form_class", "write"), WRITES + [(f, w) for f, (_, w) in WHICH.items()])
def test_every_field_is_a_name_the_service_takes(
    app: Flask, form_class: type[forms.GovernanceForm], write: Callable[..., Any]
) -> None:
    which = WHICH.get(form_class, (set(), write))[0]
    with app.test_request_context():
        sent = set(form_class(formdata=MultiDict()).arguments(*which))
    assert sent <= set(inspect.signature(write).parameters), sent - set(
        inspect.signature(write).parameters
    )
