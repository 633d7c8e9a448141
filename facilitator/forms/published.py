"""Forms for the published pages (an administrator's text) and for complaints sent by the
person on the tablet and by a family member through their link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..i18n import LANGUAGES
from ..services.governance.complaints_sent import WORDS_LIMIT
from ..services.published import BODY_LIMIT
from .fields import choice, within

TOPIC_MESSAGE = _l("Choose what your complaint is about.")


class PageForm(FlaskForm):
    """An administrator's text of one published page, with the version it was read at."""

    body = TextAreaField(
        _l("Text of the page"),
        validators=[within(BODY_LIMIT)],
        render_kw={"rows": 24, "maxlength": BODY_LIMIT, "spellcheck": "true"},
    )
    version = HiddenField()


class PageLanguageForm(FlaskForm):
    """Read from the address (a GET, and the POST's own address): which language's text."""

    class Meta:
        # A query string carries no token; the POST it belongs to is checked as ever.
        csrf = False

    lang = SelectField(
        _l("Language of the text"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()],
        validate_choice=True,
    )


class PersonComplaintForm(FlaskForm):
    """The person's complaint on the tablet: a picture that says what is wrong, words if they
    want, and the form's one-time token."""

    topic = choice(
        ("person-not-listened-to", "family-involvement", "information-sharing", "other"),
        _l("Choose a picture that says what is wrong."),
        label=_l("What is wrong?"),
    )
    words = TextAreaField(
        _l("You can say more here (you do not have to)"),
        validators=[within(WORDS_LIMIT)],
        render_kw={"rows": 4, "maxlength": WORDS_LIMIT},
    )
    token = HiddenField()


class FamilyComplaintForm(FlaskForm):
    """A family member's complaint through their link."""

    topic = choice(
        ("family-involvement", "person-not-listened-to", "information-sharing",
         "advocate-involvement", "other"),
        TOPIC_MESSAGE,
        label=_l("What is your complaint about?"),
    )  # fmt: skip
    words = TextAreaField(
        _l("What is wrong? Say it in your own words."),
        validators=[within(WORDS_LIMIT)],
        render_kw={"rows": 6, "maxlength": WORDS_LIMIT},
    )
    token = HiddenField()
