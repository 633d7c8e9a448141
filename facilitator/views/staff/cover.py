"""Need to know (issue 25): covering another service, and a person moving service.

Staff see only the people of their own services (``services/scope.py``, checked once for
every route in ``views/lookup.py``). A staff member covering another service opens one person
there by giving a reason, for a set time (the COVER_HOURS setting, 12 hours by default); it is
audited and listed for that service's managers (``views/governance/cover.py``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.cover import CoverForm, MoveServiceForm
from ...forms.fields import sent
from ...services import scope
from .. import edge
from ..lookup import person_or_404

bp = Blueprint("cover", __name__, url_prefix="/staff")


@bp.route("/cover", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def cover() -> ResponseReturnValue:
    """Open one person of another service while covering there, with a reason."""
    form = CoverForm()
    me = current_account()
    hours = int(current_app.config.get("COVER_HOURS", scope.DEFAULT_COVER_HOURS))

    def page(error: str | None = None) -> str:
        return render_template(
            "staff/cover.html",
            form=form,
            error=error,
            hours=hours,
            services=scope.services_for(db.session, None),
            grants=scope.cover_grants(db.session, me, given_to=me),
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        grant = scope.request_cover(
            db.session,
            me,
            service_id=form.service_id.data,
            full_name=form.full_name.data,
            reason=form.reason.data,
            hours=hours,
        )
        flash(
            ngettext(
                "You can open this person's record for %(num)d hour.",
                "You can open this person's record for %(num)d hours.",
                hours,
            ),
            "success",
        )
        return redirect(url_for("staff.person", person_id=grant.person_id), code=303)
    return page()


@bp.route("/people/<int:person_id>/service", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def service(person_id: int) -> ResponseReturnValue:
    """The person's service, its history, and moving them to another service."""
    person = person_or_404(person_id)
    form = MoveServiceForm()
    me = current_account()

    def page(error: str | None = None) -> str:
        return render_template(
            "staff/person_service.html",
            person=person,
            form=form,
            error=error,
            current=scope.current_service(db.session, person.id),
            history=scope.history(db.session, person.id),
            services=scope.services_for(db.session, None),
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        placement = scope.move_person(
            db.session, person, form.service_id.data, actor=me, on=form.moved_on.data
        )
        name = placement.service.name if placement.service else ""
        if scope.may_see_person(db.session, me, person.id):
            flash(
                _("%(name)s now belongs to %(service)s.", name=person.preferred_name, service=name),
                "success",
            )
            return redirect(url_for("staff.person", person_id=person.id), code=303)
        flash(
            _(
                "%(name)s now belongs to %(service)s. Their record has gone with them, so you "
                "no longer see it.",
                name=person.preferred_name,
                service=name,
            ),
            "success",
        )
        return redirect(url_for("staff.home"), code=303)
    return page()
