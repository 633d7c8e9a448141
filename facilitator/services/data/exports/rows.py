"""Rows to JSON and back: every column as JSON (dates as ISO 8601, enums as their stored
values) and a new row from such a document; the export's format and version, and the columns
that name an account.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer

from ....models.base import UTCDateTime
from ... import ServiceError

FORMAT = "facilitator.review"
FORMAT_VERSION = 1


USER_COLUMNS = {
    "created_by_id", "facilitator_id", "person_confirmed_by_id", "captured_by_id",
    "recorded_by_id", "author_user_id", "decided_by_id", "opened_by_id", "owner_user_id",
    "checked_by_id", "user_id", "retired_by_id",
}  # fmt: skip


def value_out(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value  # an enum: its stored value
    return value


def row_to_dict(row: Any) -> dict[str, Any]:
    """Every column of a model row, JSON-ready."""
    return {c.key: value_out(getattr(row, c.key)) for c in row.__table__.columns}


def value_in(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    enum_class = getattr(column.type, "enum_class", None)
    if enum_class is not None:
        return enum_class(value)
    if isinstance(column.type, Integer) and not isinstance(value, int):
        raise ServiceError(_l("%(field)s must be a whole number.", field=column.key))
    return value


def row_from(model: type, data: dict[str, Any], overrides: dict[str, Any]) -> Any:
    values = {}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        if column.key == "id":
            continue
        if column.key in overrides:
            values[column.key] = overrides[column.key]
        elif column.key in data:
            values[column.key] = value_in(column, data[column.key])
    return model(**values)
