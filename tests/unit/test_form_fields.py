"""The staff forms' field types (facilitator/forms/fields.py): read as the pages always read."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from wtforms import StringField

from facilitator.forms.fields import (
    IsoDate,
    Unreadable,
    WholeNumber,
    choice,
    picked,
    sent,
    strip,
)
from facilitator.forms.fields import (
    within as within_limit,
)
from facilitator.services import ServiceError


class Probe(FlaskForm):
    kind = choice(["planned", "unplanned"], "Choose a kind.")
    name = StringField(default="", filters=[strip], validators=[within_limit(5)])
    when = IsoDate(message="Enter a real date.")
    owner = WholeNumber(message="Choose the owner from the list.")
    helper = WholeNumber()
    areas = picked()


def _probe(app: Flask, **data: object) -> tuple[Probe, bool | ServiceError]:
    with app.test_request_context("/", method="POST", data=data):
        form = Probe(meta={"csrf": False})
        try:
            return form, sent(form)
        except ServiceError as refusal:
            return form, refusal


def test_a_form_that_reads_gives_typed_values(app: Flask) -> None:
    form, outcome = _probe(
        app, kind="planned", name="  Sam ", when="2027-01-05", owner="3", helper="x",
        areas=["a", "b"],
    )  # fmt: skip
    assert outcome is True
    assert form.name.data == "Sam" and form.when.data == date(2027, 1, 5)
    assert form.owner.data == 3 and form.helper.data is None  # "none chosen", as before
    assert form.areas.data == ["a", "b"]
    empty, outcome = _probe(app, kind="unplanned")
    assert outcome is True and empty.when.data is None and empty.owner.data is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "other"}, "Choose a kind."),
        ({}, "Choose a kind."),
        ({"kind": "planned", "name": "Samuel"}, "5 characters or fewer"),
        ({"kind": "planned", "when": "5/1/2027"}, "Enter a real date."),
        ({"kind": "planned", "owner": "Tom"}, "Choose the owner from the list."),
    ],
)
def test_a_form_that_does_not_read_is_refused_with_its_first_problem(
    app: Flask, data: dict[str, str], message: str
) -> None:
    form, outcome = _probe(app, **data)
    assert isinstance(outcome, Unreadable) and message in str(outcome)
    # What was typed stays on the form, to be shown again.
    for name, value in data.items():
        assert (form[name].data if name == "kind" else form[name]._value()) == value


def test_a_form_not_sent_is_not_read(app: Flask) -> None:
    with app.test_request_context("/"):
        assert sent(Probe(meta={"csrf": False})) is False
