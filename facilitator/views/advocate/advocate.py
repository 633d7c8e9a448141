"""Independent advocates: only the people they are assigned to."""

from __future__ import annotations

from flask import Blueprint, render_template

from ...auth import current_account, roles_required
from ...extensions import db
from ...models import Role
from ...services import people

bp = Blueprint("advocate", __name__, url_prefix="/advocate")


@bp.route("/")
@roles_required(Role.ADVOCATE)
def home() -> str:
    """The people this advocate supports."""
    return render_template(
        "advocate/home.html",
        people=people.people_for_advocate(db.session, current_account()),
        communication_flag=people.communication_flag,
    )
