"""Access outside own service (issue 25): who opened a record of another service while
covering there, when, for how long and why. A manager sees the records of their own services'
people (and those who see all services, every one)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from ...auth import current_account
from ...extensions import db
from ...services import scope
from . import bp


@bp.route("/cover")
def cover_grants() -> Any:
    """Every cover grant to the viewer's services' people, newest first."""
    return render_template(
        "governance/cover.html",
        grants=scope.cover_grants(db.session, current_account()),
        is_active=scope.is_active,
    )
