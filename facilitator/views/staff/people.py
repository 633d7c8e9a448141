"""Staff record people, their supporters (with legal authority) and their need for an advocate."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.fields import sent
from ...forms.staff import AdvocacyForm, NewPersonForm, SupporterForm
from ...i18n import LANGUAGES
from ...models import (
    ADVOCATE_ROLES,
    AdvocateReason,
    AuthorityKind,
    Role,
    SupporterRole,
    User,
)
from ...services import ServiceError, people, scope
from ...services.people import SUBSTANTIAL_DIFFICULTY_AREAS
from .. import edge

bp = Blueprint("staff_people", __name__, url_prefix="/staff/people")


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new_person() -> ResponseReturnValue:
    """Record a person supported: names, language and communication needs."""
    form = NewPersonForm()

    def page(error: str | None) -> str:
        return render_template(
            "staff/person_new.html",
            error=error,
            languages=LANGUAGES,
            form=form,
            services=scope.services_for(db.session, current_account()),
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        person = people.create_person(
            db.session,
            actor=current_account(),
            preferred_name=form.preferred_name.data,
            full_name=form.full_name.data,
            date_of_birth=form.date_of_birth.data,
            service=form.service.data or None,
            service_id=form.service_id.data,
            language=form.language.data,
            communication_needs=form.communication_needs.data or None,
            preferred_formats=form.preferred_formats.data.split(","),
            communication_review_on=form.communication_review_on.data,
        )
        flash(_("%(name)s is recorded.", name=person.preferred_name), "success")
        return redirect(url_for("staff.person", person_id=person.id), code=303)
    return page(None)


def _advocates() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.ADVOCATE, User.active.is_(True))
            .order_by(User.name)
        )
    )


@bp.route("/<int:person_id>/supporters/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new_supporter(person_id: int) -> ResponseReturnValue:
    """Add a supporter, with their legal authority where they have one."""
    person = people.get_person(db.session, person_id)
    form = SupporterForm()

    def page(error: str | None) -> str:
        return render_template(
            "staff/supporter_new.html",
            person=person,
            error=error,
            roles=list(SupporterRole),
            kinds=list(AuthorityKind),
            advocates=_advocates(),
            languages=LANGUAGES,
            form=form,
            flag=people.communication_flag(person),
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        role = SupporterRole(form.role.data)
        account = db.session.get(User, form.user_id.data or 0)
        if account is not None and account.role != Role.ADVOCATE:
            raise ServiceError(_("Only an advocate's account can be linked."))
        supporter = people.add_supporter(
            db.session,
            person,
            actor=current_account(),
            name=form.name.data,
            relationship=form.relationship.data,
            relationship_note=form.relationship_note.data,
            communication_needs=form.communication_needs.data,
            strict=True,
            role=role,
            email=form.email.data or None,
            phone=form.phone.data or None,
            code_by=form.code_by.data or "phone",
            language=form.language_code(),
            user=account if role in ADVOCATE_ROLES else None,
        )
        if form.authority_kind.data:
            db.session.flush()
            people.add_authority(
                db.session,
                supporter,
                actor=current_account(),
                kind=AuthorityKind(form.authority_kind.data),
                scope=form.authority_scope.data,
                reference=form.authority_reference.data,
                registered_on=form.authority_registered_on.data,
                checked=form.authority_checked.data,
            )
        flash(_("%(name)s is added.", name=supporter.name), "success")
        return redirect(url_for("staff.person", person_id=person.id), code=303)
    return page(None)


@bp.route("/<int:person_id>/advocacy", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def advocacy(person_id: int) -> ResponseReturnValue:
    """Whether the person needs an independent advocate, and why (Care Act s67)."""
    person = people.get_person(db.session, person_id)
    form = AdvocacyForm()

    def page(error: str | None) -> str:
        return render_template(
            "staff/advocacy.html",
            person=person,
            error=error,
            reasons=list(AdvocateReason),
            areas=SUBSTANTIAL_DIFFICULTY_AREAS,
            flag=people.communication_flag(person),
        )

    edge.on_refusal(lambda refusal: page(str(refusal)))
    if sent(form):
        needed = form.needed.data == "yes"
        reason = AdvocateReason(form.reason.data) if form.reason.data else None
        people.record_advocate_need(
            db.session,
            person,
            actor=current_account(),
            needed=needed,
            reason=reason if needed else None,
            difficulty=form.difficulty.data if needed else [],
            detail=form.detail.data or None,
        )
        flash(_("Saved."), "success")
        return redirect(url_for("staff.person", person_id=person.id), code=303)
    return page(None)
