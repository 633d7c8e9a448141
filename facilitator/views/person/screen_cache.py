"""Rendered prompt screens, kept per review state, so the next prompt comes at once.

The prompt screen is the page a person's tablet asks for most. Rendering it (about 30 pictures,
the progress row, the switch-access and offline blocks, the help link) cost more than all the
rest of the request. A screen is the same for as long as everything it is drawn from is the
same, so a rendered screen is kept, in this process, under a key made of all of that:

- the review, its status and its prompts (how many, and the newest prompt row);
- the person, their language, their version (raised by every change of settings or details)
  and the settings themselves;
- the answers: how many, and the newest id. Answers are never edited (a change of mind is a
  new row) and never removed one by one (only with the whole review), so the count goes up with
  every answer that becomes visible, in whatever order transactions commit; the newest id is a
  second check. Both come from the index on (review_id, id) without reading the rows;
- which screen: the position, the query string (page of choices, "just answered"), whether
  htmx asked, and the folder the app is served from;
- the spoken prompts on disk (the speech folder's modification time changes when
  ``flask speech render`` adds files).

All of that comes from one small query (``stamp``) instead of loading the review, its
prompts and answers as objects. Screens are not kept when anything else could change them:
a review with staff's own prompts (their text, picture, photo and voice can change), a person
whose setting shows their own photos, a page with a message waiting to be shown, or a refused
answer. Kept screens expire after ``PERSON_SCREEN_CACHE_SECONDS`` and at most
``PERSON_SCREEN_CACHE_SIZE`` are kept (0 turns the cache off).

What differs on every response is filled in afterwards: the CSRF token and the two
``client_id`` values that make a double tap store one answer. The screen is rendered with
markers in their place, and each response gets its own values.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import text
from sqlalchemy.orm import Session

EXTENSION = "person_screen_cache"


@dataclass(frozen=True)
class Stamp:
    """Everything a prompt screen is drawn from, as cheap values (see the module's doc)."""

    review_id: int
    status: str
    person_id: int
    language: str
    person_version: int
    settings: str
    shows_own_photos: bool
    prompts: int
    newest_prompt: int
    custom_prompts: int
    answers: int
    newest_answer: int


# One statement, written once: building it with the ORM on every request cost more than
# running it. Every count and maximum comes from an index on review_id; the answers' from
# ix_responses_review_id_id alone (reading each answer row made this cost PostgreSQL more than
# the rest of the request once a review had a few hundred answers).
STAMP = text(
    """
    SELECT r.status, p.id, p.language, p.version, p.settings,
      (SELECT count(id) FROM review_prompts WHERE review_id = :review_id),
      (SELECT max(id) FROM review_prompts WHERE review_id = :review_id),
      (SELECT count(custom_prompt_id) FROM review_prompts WHERE review_id = :review_id),
      (SELECT count(*) FROM responses WHERE review_id = :review_id),
      (SELECT max(id) FROM responses WHERE review_id = :review_id)
    FROM reviews r JOIN people p ON p.id = r.person_id
    WHERE r.id = :review_id
    """
)


def stamp(session: Session, review_id: int) -> Stamp | None:
    """The review's stamp in one query, or None if there is no such review."""
    row = session.execute(STAMP, {"review_id": review_id}).one_or_none()
    if row is None:
        return None
    settings = row[4]
    if isinstance(settings, str | bytes):  # SQLite keeps JSON as text
        settings = json.loads(settings)
    settings = settings or {}
    return Stamp(
        review_id=review_id,
        status=str(row[0]),
        person_id=row[1],
        language=row[2],
        person_version=row[3] or 0,
        settings=json.dumps(settings, sort_keys=True),
        shows_own_photos=settings.get("pictures") == "photos",
        prompts=row[5] or 0,
        newest_prompt=row[6] or 0,
        custom_prompts=row[7] or 0,
        answers=row[8] or 0,
        newest_answer=row[9] or 0,
    )


class ScreenCache:
    """A bounded, expiring map of rendered screens; safe across threads."""

    def __init__(self, size: int, seconds: float) -> None:
        self.size = size
        self.seconds = seconds
        self._screens: OrderedDict[tuple[Any, ...], tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()
        # Markers for what each response fills in: random, so no person's words can forge one.
        marker = secrets.token_hex(12)
        self.csrf_marker = f"csrf{marker}"
        self.client_marker = f"client{marker}"
        self.skip_marker = f"skip{marker}"

    def get(self, key: tuple[Any, ...]) -> str | None:
        with self._lock:
            found = self._screens.get(key)
            if found is None:
                return None
            stored_at, html = found
            if time.monotonic() - stored_at > self.seconds:
                del self._screens[key]
                return None
            self._screens.move_to_end(key)
            return html

    def put(self, key: tuple[Any, ...], html: str) -> None:
        with self._lock:
            self._screens[key] = (time.monotonic(), html)
            self._screens.move_to_end(key)
            while len(self._screens) > self.size:
                self._screens.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._screens.clear()

    def __len__(self) -> int:
        return len(self._screens)

    def fill(self, html: str) -> str:
        """The kept screen with this response's own CSRF token and client ids."""
        return (
            html.replace(self.csrf_marker, generate_csrf())
            .replace(self.client_marker, uuid.uuid4().hex)
            .replace(self.skip_marker, uuid.uuid4().hex)
        )

    def markers(self) -> dict[str, Any]:
        """Template values that put markers where each response's own values go."""
        return {
            "csrf_token": lambda: self.csrf_marker,
            "client_id": self.client_marker,
            "skip_client_id": self.skip_marker,
        }


def init_app(app: Flask) -> None:
    size = int(app.config.get("PERSON_SCREEN_CACHE_SIZE", 2000))
    seconds = float(app.config.get("PERSON_SCREEN_CACHE_SECONDS", 600))
    app.extensions[EXTENSION] = ScreenCache(size, seconds) if size > 0 else None


def cache() -> ScreenCache | None:
    return current_app.extensions.get(EXTENSION)  # type: ignore[no-any-return]


def _speech_generation() -> int:
    try:
        return os.stat(current_app.config["SPEECH_CACHE_DIR"]).st_mtime_ns
    except OSError:
        return 0


def key_for(found: Stamp, position: int, locale: str) -> tuple[Any, ...] | None:
    """The key of this request's prompt screen, or None if it must not be kept."""
    if found.custom_prompts or found.shows_own_photos or session.get("_flashes"):
        return None
    return (
        found,
        position,
        locale,
        request.query_string,
        request.script_root,
        request.headers.get("HX-Request", ""),
        _speech_generation(),
    )
