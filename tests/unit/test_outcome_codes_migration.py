"""Migration 0025 (issue 20): a differing view's outcome code beside the written outcome.

Rows resolved before it stay uncoded (NULL: "not coded"); nothing is guessed from the text.
The downgrade drops the three columns and keeps the written outcome.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, MetaData, Table, inspect, text

from facilitator.db import alembic_config, make_engine, upgrade
from facilitator.models import utcnow


def _row(table: Table, **given: Any) -> dict[str, Any]:
    """``given``, and a plain value for every required column the old table has."""
    values = dict(given)
    for column in table.columns:
        if column.nullable or column.primary_key or column.name in values:
            continue
        kind = column.type
        if isinstance(kind, JSON):
            values[column.name] = {}
        elif isinstance(kind, DateTime):
            values[column.name] = utcnow()
        elif isinstance(kind, Date):
            values[column.name] = date(2026, 1, 5)
        elif isinstance(kind, Boolean):
            values[column.name] = False
        elif isinstance(kind, Integer):
            values[column.name] = 1
        else:
            values[column.name] = "x"
    return values


def _columns(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {c["name"] for c in inspect(connection).get_columns("differing_view_details")}
    finally:
        engine.dispose()


def test_upgrade_leaves_existing_outcomes_uncoded_and_downgrade_drops_the_codes(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'codes.db'}"
    upgrade(url, "0024_advocate_reports")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            # An old resolved view with its details, written as revision 0024 had them.
            found = MetaData()
            names = ["people", "reviews", "differing_views", "differing_view_details"]
            found.reflect(connection, only=names)
            people, reviews, views, details = (found.tables[n] for n in names)
            connection.execute(people.insert().values(_row(people, id=3)))
            connection.execute(reviews.insert().values(_row(reviews, id=5, person_id=3)))
            connection.execute(
                views.insert().values(
                    _row(views, id=7, review_id=5, status="resolved", outcome="Kept as is.")
                )
            )
            connection.execute(
                details.insert().values(
                    _row(details, differing_view_id=7, decision_maker="Jo Manager")
                )
            )
    finally:
        engine.dispose()
    upgrade(url)
    assert {"outcome_code", "followed_supporter_id", "assessment_id"} <= _columns(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT decision_maker, outcome_code, followed_supporter_id, assessment_id "
                    "FROM differing_view_details WHERE differing_view_id = 7"
                )
            ).one()
    finally:
        engine.dispose()
    assert tuple(row) == ("Jo Manager", None, None, None)
    command.downgrade(alembic_config(url), "0024_advocate_reports")
    columns = _columns(url)
    assert not {"outcome_code", "followed_supporter_id", "assessment_id"} & columns
    assert "decision_maker" in columns
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            kept = connection.execute(
                text("SELECT decision_maker FROM differing_view_details")
            ).scalar_one()
    finally:
        engine.dispose()
    assert kept == "Jo Manager"
