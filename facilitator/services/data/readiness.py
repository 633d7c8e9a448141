"""Is this instance ready for traffic? For load balancers' readiness checks (``/readyz``).

Ready means: the database answers, its migrations are at the head this code knows (an instance
of a newer release waits until ``flask db upgrade`` has run; an older one is not sent traffic
for a schema it does not know), and the spoken prompts are rendered in the speech cache when
the provider says speech is required (``READY_REQUIRES_SPEECH``; without it the pages fall back
to the browser's own voice, so missing audio never stops an instance). Being alive is
``/healthz``; this is whether to send it requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...accessible.speech import cached_audio_path
from ...db import alembic_config
from ...prompts.library import all_spoken_texts


@dataclass
class Readiness:
    """Each check's outcome ("ok" or why not) and whether all passed."""

    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(value == "ok" for value in self.checks.values())

    @property
    def reason(self) -> str | None:
        failed = [f"{name}: {value}" for name, value in self.checks.items() if value != "ok"]
        return "; ".join(failed) or None


@cache
def migrations_head(database_url: str) -> str | None:
    """The newest migration this code knows (read once per process)."""
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


# Speech caches found complete, so a complete cache is checked once per process.
_COMPLETE: set[tuple[str, int]] = set()


def speech_missing(cache_dir: Path, rate: int) -> int:
    """How many spoken texts of the prompt library have no rendered audio at ``rate``."""
    if (str(cache_dir), rate) in _COMPLETE:
        return 0
    missing = sum(
        1
        for said, lang in all_spoken_texts()
        if cached_audio_path(cache_dir, said, lang, rate) is None
    )
    if missing == 0:
        _COMPLETE.add((str(cache_dir), rate))
    return missing


def check(
    session: Session,
    *,
    database_url: str,
    speech_cache: Path | None = None,
    speech_rate: int = 135,
) -> Readiness:
    """Check the database, the migrations and (when ``speech_cache`` is given) the speech."""
    result = Readiness()
    try:
        session.execute(text("SELECT 1"))
        current = MigrationContext.configure(session.connection()).get_current_revision()
    except Exception as error:  # noqa: BLE001 - any failure to reach the database is "not ready"
        session.rollback()
        result.checks["database"] = f"unreachable ({type(error).__name__})"
        return result
    result.checks["database"] = "ok"
    head = migrations_head(database_url)
    if current == head:
        result.checks["migrations"] = "ok"
    else:
        result.checks["migrations"] = f"at {current or 'none'}, code expects {head}"
    if speech_cache is not None:
        missing = speech_missing(speech_cache, speech_rate)
        result.checks["speech"] = "ok" if missing == 0 else f"{missing} spoken texts not rendered"
    else:
        result.checks["speech"] = "ok"
    return result
