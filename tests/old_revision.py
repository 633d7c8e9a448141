"""Rows written as an older revision of the schema had them, for migration tests.

A migration test upgrades a database to an old revision, writes rows and upgrades further.
Today's models have columns that revision did not, so rows are written through the tables as
the database has them (reflected), with a value for every required column not given: the
model's default where today's model has one, otherwise a plain value of the column's type.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, MetaData, Table
from sqlalchemy.orm import Session

import facilitator.models  # noqa: F401  (every table in Base.metadata)
from facilitator.db import Base
from facilitator.models import utcnow


def tables(session: Session, *names: str) -> dict[str, Table]:
    """The named tables as the database has them now."""
    found = MetaData()
    found.reflect(session.connection(), only=list(names))
    return {name: found.tables[name] for name in names}


def row(table: Table, **given: Any) -> dict[str, Any]:
    """``given``, and a value for every required column of ``table`` it lacks."""
    values = dict(given)
    model = Base.metadata.tables.get(table.name)
    for column in table.columns:
        if column.nullable or column.primary_key or column.name in values:
            continue
        default = (
            model.c[column.name].default if model is not None and column.name in model.c else None
        )
        if default is not None:
            arg = default.arg  # type: ignore[attr-defined]
            values[column.name] = arg(None) if callable(arg) else arg
            continue
        kind = column.type
        if isinstance(kind, JSON):
            values[column.name] = {}
        elif isinstance(kind, DateTime):
            values[column.name] = utcnow()
        elif isinstance(kind, Boolean):
            values[column.name] = True
        elif isinstance(kind, Integer):
            values[column.name] = 1
        else:
            values[column.name] = uuid.uuid4().hex[:16]
    return values


def insert(session: Session, table: Table, **given: Any) -> int:
    """Write one row as the database's revision has the table; its id."""
    return session.execute(table.insert().values(**row(table, **given))).inserted_primary_key[0]
