"""Optimistic versions for the governance records: one home for check, bump and audit.

Two managers may edit the same record at once. Each edit form carries the version it was
read at; a save made from an older version than the one stored is refused (``StaleRecord``,
answered 409 with both versions), so that nobody overwrites someone else's change unseen.
A save that goes through moves the record to its next version and leaves one audit entry.

Every register's changes go through :func:`change`, which does all three in order::

    with change(session, complaint, version, actor=actor, action="complaint.acknowledged",
                person_id=complaint.person_id, check=_check_open) as step:
        ...  # the rule's own checks and changes; step.detail["late"] = ...

A refusal raised inside the block leaves the version and the audit trail as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import User
from .. import StaleVersion, audit

STALE_MESSAGE = _l(
    "Someone else changed this record while you were editing. Your changes were not saved: "
    "reload the page to see theirs, then make your changes again."
)


class StaleRecord(StaleVersion):
    """A save was based on an older version of the record than the one stored."""


class Versioned(Protocol):
    """A record with a version number (every governance record that staff edit)."""

    id: Any
    version: int


def sent_version(version: int | str | None) -> int | None:
    """The version a form or caller sent, as a number (None when missing or not a number)."""
    try:
        return int(version) if version is not None else None
    except (TypeError, ValueError):
        return None


def check_version(record: Versioned, version: int | str | None) -> None:
    """Refuse a save made from an old version, so that two editors never overwrite each other."""
    sent = sent_version(version)
    if sent != record.version:
        raise StaleRecord(STALE_MESSAGE, stored=record.version, sent=sent)


def bump(record: Versioned) -> None:
    """Mark a saved change: the record moves to its next version."""
    record.version = (record.version or 0) + 1


@dataclass
class Step:
    """One change in progress: what its audit entry will say.

    ``obj`` is what the entry is about (the record itself unless the change made a new row
    worth naming, such as a person's answer); ``detail`` is filled in by the rule as it goes.
    """

    record: Versioned
    obj: Any
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def next_version(self) -> int:
        """The version the record will have once this change is saved."""
        return (self.record.version or 0) + 1


@contextmanager
def change(
    session: Session,
    record: Versioned,
    version: int | str | None,
    *,
    actor: User,
    action: str,
    person_id: int | None,
    check: Callable[[Any], None] | None = None,
) -> Iterator[Step]:
    """Check the version the editor started from, run the change, then bump and audit it.

    ``check`` is a rule the record must still meet to be changed at all (that it is still
    open, say), checked once the version is known to be current. Nothing is bumped or
    audited when the block raises (a refusal, or a stale version).
    """
    check_version(record, version)
    if check is not None:
        check(record)
    step = Step(record, record)
    yield step
    bump(record)
    audit.record(
        session,
        action,
        actor=actor,
        obj=step.obj,
        person_id=person_id,
        detail=step.detail or None,
    )
