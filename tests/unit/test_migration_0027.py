"""Migration 0027 (issue 24): the person's recordings and their consent, up and down, on
SQLite and PostgreSQL; the downgrade takes the stored sound with the tables."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from facilitator.db import alembic_config, make_engine, upgrade

from .test_stored_files import empty_database  # noqa: F401  (the fixture)


def test_upgrade_makes_the_tables_and_downgrade_removes_them_and_the_sound(
    empty_database: str,  # noqa: F811
) -> None:
    url = empty_database
    upgrade(url, "0026_record_audits")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            assert "person_recordings" not in tables and "recording_consents" not in tables
    finally:
        engine.dispose()
    upgrade(url, "0027_person_recordings")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            tables = inspect(connection).get_table_names()
            assert {"person_recordings", "recording_consents", "action_recordings"} <= set(tables)
            columns = {c["name"] for c in inspect(connection).get_columns("person_recordings")}
            assert {"client_id", "transcript", "transcript_by_id", "deleted_at"} <= columns
            for key in ("person-voices/a.webm", "voices/b.wav"):
                connection.execute(
                    text(
                        "INSERT INTO stored_files (key, content_type, byte_size, sha256, "
                        "created_at, body) VALUES (:key, 'audio/webm', 1, 'x', "
                        "CURRENT_TIMESTAMP, :body)"
                    ),
                    {"key": key, "body": b"1"},
                )
    finally:
        engine.dispose()
    command.downgrade(alembic_config(url), "0026_record_audits")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            ours = {"person_recordings", "recording_consents", "action_recordings"}
            assert not ours & set(tables)
            keys = list(connection.execute(text("SELECT key FROM stored_files")).scalars())
            assert keys == ["voices/b.wav"]  # the familiar voices of custom prompts stay
    finally:
        engine.dispose()
