"""Involvement agreements due for review, and supporters without one."""

from __future__ import annotations

from typing import Any

from flask import render_template

from ...extensions import db
from ...services.governance import agreements
from . import bp


@bp.route("/agreements")
def agreements_due() -> Any:
    """Agreements whose review date has passed or is within 30 days."""
    session = db.session
    return render_template(
        "governance/agreements_due.html",
        due=agreements.due_for_review(session),
        missing=agreements.supporters_without_agreement(session),
        soon=agreements.DUE_SOON_DAYS,
    )
