"""The current answer: an entry stands until a later entry replaces it.

Nothing the person or a supporter said is edited. A correction to an answer (``Response``), a
new version of a layered view (``Contribution``) or a changed answer about an earlier action
(``ActionFollowUp``) is a new row whose ``supersedes_id`` names the row it replaces, so the
history stays; the current entries are the rows no other row names. Staff's own prompts
(``CustomPrompt``) point the other way: an old version names its successor in
``superseded_by_id``, so the current version is the one that names none.

This is the one place that reading is written: as a clause for a query (``not_superseded``),
as the ids of the replaced rows (``superseded_ids``), for rows already loaded
(``drop_superseded``) and for one row (``is_superseded``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session, aliased

from ...models import ActionFollowUp, Contribution, CustomPrompt, Response

Superseding = type[Response] | type[Contribution] | type[ActionFollowUp]


class _Entry(Protocol):
    id: int
    supersedes_id: int | None


Entry = TypeVar("Entry", bound=_Entry)


def superseded_ids(
    model: Superseding, *, review_ids: int | Iterable[int] | None = None
) -> Select[tuple[int | None]]:
    """The ids of ``model``'s rows that a later row replaces.

    ``review_ids`` (one id or several) looks only at the rows of those reviews: a row is only
    ever replaced by a row of its own review, so this keeps the answer and makes it quicker.
    """
    later: Any = aliased(model)
    query = select(later.supersedes_id).where(later.supersedes_id.is_not(None))
    if isinstance(review_ids, int):
        return query.where(later.review_id == review_ids)
    if review_ids is not None:
        return query.where(later.review_id.in_(list(review_ids)))
    return query


def not_superseded(
    model: Superseding | type[CustomPrompt], *, review_ids: int | Iterable[int] | None = None
) -> ColumnElement[bool]:
    """A ``where`` clause that keeps the current rows of ``model``: those nothing replaces.

    For a custom prompt, its latest version (retired or not). ``review_ids``: as for
    ``superseded_ids``.
    """
    if model is CustomPrompt:
        return CustomPrompt.superseded_by_id.is_(None)
    pointing_back = cast(Superseding, model)
    return pointing_back.id.not_in(superseded_ids(pointing_back, review_ids=review_ids))


def drop_superseded(rows: Iterable[Entry]) -> list[Entry]:
    """``rows`` without those another of them replaces, in their order.

    Only ``rows`` themselves are compared, so a caller that loaded, say, only submitted views
    keeps a view that a draft (not loaded) would replace.
    """
    rows = list(rows)
    replaced = {row.supersedes_id for row in rows if row.supersedes_id is not None}
    return [row for row in rows if row.id not in replaced]


def is_superseded(session: Session, row: Response | Contribution | ActionFollowUp) -> bool:
    """Whether a later row already replaces ``row`` (a change starts from the latest entry)."""
    model = type(row)
    later = select(model.id).where(model.supersedes_id == row.id).limit(1)
    return session.scalar(later) is not None
