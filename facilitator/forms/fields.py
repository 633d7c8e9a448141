"""Field types and validators shared by the staff forms.

Each field reads one posted value the way the pages always read it: a date typed as
YYYY-MM-DD, a record's id, a choice from a fixed list, text within a limit. What cannot be read
is a validation error carrying the page's own message; ``sent`` turns it into a refusal, so
that the page says what to change and shows again what was typed, as for a service's refusal.
None of these fields is free text (that is ``StringField`` and ``TextAreaField``, which the
hostile-text tests fill).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import Field, Form, RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import DateInput, TextInput

from ..services import ServiceError


def strip(value: Any) -> Any:
    """A filter: text without spaces around it (``None`` stays ``None``)."""
    return value.strip() if isinstance(value, str) else value


def within(limit: int) -> Callable[[Form, Field], None]:
    """A validator: at most ``limit`` characters, said with the limit in the reader's words."""

    def check(form: Form, field: Field) -> None:
        if field.data and len(field.data) > limit:
            raise ValidationError(
                ngettext(
                    "Please keep each answer to %(num)d character or fewer.",
                    "Please keep each answer to %(num)d characters or fewer.",
                    limit,
                )
            )

    return check


class _OneValue(Field):
    """A field read from one posted value; ``message`` is the error when it cannot be read."""

    def __init__(
        self, label: Any = None, validators: Any = None, *, message: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.message = message

    def read(self, raw: str) -> Any:  # pragma: no cover - each subclass reads its own kind
        raise NotImplementedError

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        try:
            self.data = self.read(raw)
        except ValueError:
            if self.message is not None:
                raise ValueError(str(self.message)) from None

    def _value(self) -> str:
        """What the page shows in the input: as typed after a POST, else the stored value."""
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else self.shown(self.data)

    def shown(self, data: Any) -> str:
        return str(data)


class IsoDate(_OneValue):
    """A date typed as YYYY-MM-DD (``date.fromisoformat``); ``None`` when left empty."""

    widget = DateInput()

    def read(self, raw: str) -> date:
        return date.fromisoformat(raw)

    def shown(self, data: Any) -> str:
        return data.isoformat() if isinstance(data, date) else str(data)


class WholeNumber(_OneValue):
    """A whole number, such as a record's id; ``None`` when left empty.

    Without a ``message``, a value that is not a number is read as ``None`` ("none chosen"),
    as the pages always read their optional lists.
    """

    widget = TextInput()

    def read(self, raw: str) -> int:
        return int(raw)


def choice(values: Iterable[Any], message: Any, **kwargs: Any) -> RadioField:
    """One of ``values`` (an enum's members, or strings); anything else, or none, is ``message``."""
    allowed = [str(getattr(v, "value", v)) for v in values]

    def one_of(form: Form, field: Field) -> None:
        if field.data not in allowed:
            raise ValidationError(str(message))

    return RadioField(
        choices=[SelectChoice(v, v) for v in allowed],
        validate_choice=False,
        validators=[one_of],
        **kwargs,
    )


def picked(**kwargs: Any) -> SelectMultipleField:
    """Every value sent under the field's name (checkboxes); the service checks each one."""
    return SelectMultipleField(choices=[], validate_choice=False, **kwargs)


def first_error(form: Form) -> str:
    """The first problem with the form, in field order (the page shows one at a time)."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return ""


class Unreadable(ServiceError):
    """A form was sent with a field that cannot be read; the message is its first problem."""

    def __init__(self, form: Form) -> None:
        super().__init__(first_error(form))


def sent(form: FlaskForm) -> bool:
    """Whether ``form`` was sent (a POST) and reads.

    A sent form that does not read is refused like a service refusal (``Unreadable``): the
    edge shows the view's page again with the message and the form as typed (400).
    """
    if not form.is_submitted():
        return False
    if not form.validate():
        raise Unreadable(form)
    return True
