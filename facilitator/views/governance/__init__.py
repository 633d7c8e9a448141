"""Governance (managers and administrators only): the dashboard, the registers and the audit log.

Every route in this blueprint is guarded once, before any view runs, so a new page cannot be
left open by forgetting a decorator. Safeguarding (views/governance/safeguarding.py) and casework
(views/staff/casework.py) are separate blueprints with their own audiences.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from flask_login import current_user

from ...auth import GOVERNANCE_ROLES
from ...extensions import login_manager
from .common import contribution_lines, said, topic_title
from .labels import label

bp = Blueprint("governance", __name__, url_prefix="/governance")


@bp.before_request
def _managers_and_admins_only() -> Any:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in GOVERNANCE_ROLES:
        abort(403)
    return None


@bp.app_context_processor
def _governance_words() -> dict[str, Any]:
    # App-wide, so that partials such as _agreement_summary.html work on staff pages too.
    return {
        "gov_label": label,
        "said": said,
        "contribution_lines": contribution_lines,
        "topic_title": topic_title,
    }


from . import (  # noqa: E402,F401
    agreements,
    audit_log,
    capacity,
    complaints,
    cover,
    dashboard,
    differing,
    evidence,  # the evidence pack (issue 20)
    outcomes,  # outcome figures (issue 20)
    record_audits,  # the monthly record audit (issue 20)
)
