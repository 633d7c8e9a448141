"""Forms for family members (by link), for staff managing links and consent, and advocates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    EmailField,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..services.reviews.contributions import FAMILY_FIELDS, FIELD_MAX

TEXT = [
    Optional(),
    Length(max=FIELD_MAX, message=_l("Please keep this to 5,000 characters or fewer.")),
]


class ContinueForm(FlaskForm):
    """The link page's only button: a POST, so that opening the link changes nothing."""


class ConfirmCodeForm(FlaskForm):
    secret = StringField(
        _l("The 6-digit code"),
        validators=[DataRequired(_l("Enter the code you were sent.")), Length(max=20)],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "spellcheck": "false",
            "class": "input input-code",
        },
    )


class ConfirmEmailForm(FlaskForm):
    secret = EmailField(
        _l("Your email address"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class TopicViewsForm(Form):
    """One topic of a family member's views (a sub-form, so no CSRF of its own)."""

    working = TextAreaField(_l("What is working?"), validators=TEXT)
    not_working = TextAreaField(_l("What is not working?"), validators=TEXT)
    see_differently = TextAreaField(_l("Is there anything you see differently?"), validators=TEXT)
    would_like = TextAreaField(_l("What would you like to happen?"), validators=TEXT)
    # Checked against the topic's own scale by the service, which knows the review.
    rating = RadioField(
        _l("Your answer"),
        choices=[SelectChoice("", _l("No answer"))],
        default="",
        validate_choice=False,
    )


@dataclass(frozen=True)
class TopicChoice:
    """What the views form needs to know about one topic."""

    topic_id: str
    title: str
    rating_choices: tuple[tuple[str, str], ...]  # (option id, label); empty for no rating


def topic_field_name(topic_id: str) -> str:
    """A form field name for a topic id ("where-i-live" -> "t_where_i_live")."""
    return "t_" + topic_id.replace("-", "_")


class FamilyViewsForm(FlaskForm):
    """Built per review by ``views_form``: one TopicViewsForm per topic."""

    # The page's two buttons are named "action": "save" (a draft) or "send".
    action = StringField(validators=[Optional()])

    def topic_forms(self) -> list[tuple[str, Any]]:
        """(topic id, sub-form) for each topic, in the review's order."""
        return [(t.topic_id, self[topic_field_name(t.topic_id)]) for t in self._topics]

    def views(self) -> dict[str, tuple[dict[str, str], str | None]]:
        """topic id -> (the written fields, the rating or None), as the services take them."""
        return {
            topic_id: (
                {name: sub[name].data or "" for name in FAMILY_FIELDS},
                sub.rating.data or None,
            )
            for topic_id, sub in self.topic_forms()
        }

    @property
    def sending(self) -> bool:
        """The family member pressed "Send my views" (not "Save and come back later")."""
        return self.action.data == "send"

    _topics: tuple[TopicChoice, ...] = ()


FIELD_ENDINGS = tuple(f"-{name}" for name in FAMILY_FIELDS)


def typed_views(formdata: MultiDict[str, str]) -> str:
    """Whatever was typed into a views form's boxes, as text to give back on a refusal page
    (the form itself cannot be built then: the session that names its topics has ended)."""
    return "\n\n".join(
        value.strip()
        for name, value in formdata.items(multi=True)
        if name.endswith(FIELD_ENDINGS) and value.strip()
    )


def views_form(
    topics: Iterable[TopicChoice], data: Mapping[str, Mapping[str, Any]] | None = None
) -> FamilyViewsForm:
    """A views form for these topics, filled from ``data`` (topic id -> values) on a GET."""
    topics = tuple(topics)
    attributes: dict[str, Any] = {"_topics": topics}
    for topic in topics:
        attributes[topic_field_name(topic.topic_id)] = FormField(TopicViewsForm, label=topic.title)
    form_class = type("ReviewViewsForm", (FamilyViewsForm,), attributes)
    prefill = {topic_field_name(k): dict(v) for k, v in (data or {}).items()}
    form: FamilyViewsForm = form_class(data=prefill)
    for topic in topics:
        sub = form[topic_field_name(topic.topic_id)]
        sub.rating.choices = [
            SelectChoice("", _l("No answer")),
            *(SelectChoice(value, label) for value, label in topic.rating_choices),
        ]
    return form


# --- staff ------------------------------------------------------------------------------------


class IssueLinkForm(FlaskForm):
    supporter_id = SelectField(_l("Who is the link for?"), coerce=int, choices=[])
    verifier = RadioField(
        _l("How will they confirm it is them?"),
        choices=[
            SelectChoice(
                "code", _l("A 6-digit code that you send separately from the link (recommended)")
            ),
            SelectChoice("email", _l("Their email address on record")),
        ],
        default="code",
    )


class RevokeLinkForm(FlaskForm):
    """A button only."""


class OtherBasisForm(FlaskForm):
    basis = RadioField(
        _l("On what basis?"),
        choices=[
            SelectChoice(
                "best-interests", _l("A best-interests decision (Mental Capacity Act 2005)")
            ),
            SelectChoice("attorney", _l("A decision by an attorney for health and welfare")),
            SelectChoice(
                "deputy", _l("A decision by a Court of Protection deputy for health and welfare")
            ),
        ],
        validators=[DataRequired(_l("Choose the basis."))],
    )
    decision = RadioField(
        _l("What was decided?"),
        choices=[
            SelectChoice("yes", _l("They may see what the person said")),
            SelectChoice("no", _l("They may not see what the person said")),
        ],
        validators=[DataRequired(_l("Choose what was decided."))],
    )
    authority_holder = SelectField(_l("Whose authority is it?"), coerce=int, choices=[])
    reason = TextAreaField(
        _l(
            "Why? Write down who decided, why the person could not decide this themselves, "
            "and how their wishes were taken into account"
        ),
        validators=[
            DataRequired(_l("Write down the reason.")),
            Length(min=10, max=4000, message=_l("Write the reason in 10 to 4,000 characters.")),
        ],
    )


# --- advocates ----------------------------------------------------------------------------------


class AdvocateLayerForm(FlaskForm):
    topic = SelectField(_l("About"), choices=[])
    how_obtained = TextAreaField(_l("How the person's views were obtained"), validators=TEXT)
    observations = TextAreaField(_l("Your observations"), validators=TEXT)
    represents = TextAreaField(_l("Where you represent the person's wishes"), validators=TEXT)
    challenges = TextAreaField(
        _l("Where you challenge a proposal or a supporter's view"), validators=TEXT
    )
    concerns = TextAreaField(_l("Concerns"), validators=TEXT)
