"""Forms for keeping a person's record up to date (views/staff/records.py, issue 17): the
person's details, a supporter's details, the end of their involvement, and legal authority
recorded, corrected or ended. Each edit carries the version it was read at."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from ..i18n import LANGUAGES
from ..models import AuthorityKind, Relationship
from .fields import IsoDate, WholeNumber, choice, strip, within

REAL_DATE = _l("Enter a real date.")
WHO_THEY_ARE = _l("Choose who they are to the person from the list.")


def _text(limit: int) -> StringField:
    return StringField(default="", filters=[strip], validators=[within(limit)])


def _long_text(limit: int) -> TextAreaField:
    return TextAreaField(default="", filters=[strip], validators=[within(limit)])


class PersonDetailsForm(FlaskForm):
    """The person's names and date of birth."""

    version = WholeNumber()
    preferred_name = _text(80)
    full_name = _text(160)
    date_of_birth = IsoDate(message=REAL_DATE)


class SupporterDetailsForm(FlaskForm):
    """A supporter's name, who they are to the person, contact, language and their own
    communication needs."""

    version = WholeNumber()
    name = _text(160)
    relationship = choice(Relationship, WHO_THEY_ARE)
    relationship_note = _text(160)
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
    communication_needs = _long_text(2000)

    def language_code(self) -> str:
        """The supporter's language; one not on the list is read as English."""
        return self.language.data if self.language.data in LANGUAGES else "en"


class EndForm(FlaskForm):
    """The end of a supporter's involvement or of a legal authority: when, and why."""

    version = WholeNumber()
    ended_on = IsoDate(message=REAL_DATE, validators=[DataRequired(_l("Enter the date."))])
    reason = _long_text(2000)


class AuthorityForm(FlaskForm):
    """An LPA or deputyship, recorded or corrected; "checked" records who checked it, when."""

    version = WholeNumber()
    kind = choice(AuthorityKind, _l("Choose the kind of legal authority."))
    scope = _long_text(2000)
    reference = _text(80)
    registered_on = IsoDate(message=REAL_DATE)
    checked = BooleanField()
