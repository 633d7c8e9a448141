"""Staff record people, their supporters (with legal authority) and their need for an advocate."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...i18n import LANGUAGES
from ...models import (
    ADVOCATE_ROLES,
    AdvocateReason,
    AuthorityKind,
    Person,
    Role,
    SupporterRole,
    User,
)
from ...services import NotFound, ServiceError, people
from ...services.people import SUBSTANTIAL_DIFFICULTY_AREAS

bp = Blueprint("staff_people", __name__, url_prefix="/staff/people")


def _person_or_404(person_id: int) -> Person:
    try:
        return people.get_person(db.session, person_id)
    except NotFound:
        abort(404)


def _date(field: str) -> date | None:
    """An optional date from the form; a malformed one is a kind error."""
    value = request.form.get(field, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ServiceError(_("Enter a real date.")) from error


def _text(field: str, limit: int) -> str:
    value = request.form.get(field, "").strip()
    if len(value) > limit:
        raise ServiceError(
            ngettext(
                "Please keep each answer to %(num)d character or fewer.",
                "Please keep each answer to %(num)d characters or fewer.",
                limit,
            )
        )
    return value


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new_person() -> str | Response | tuple[str, int]:
    """Record a person supported: names, language and communication needs."""
    error = None
    if request.method == "POST":
        try:
            language = request.form.get("language", "en")
            if language not in LANGUAGES:
                raise ServiceError(_("Choose a language from the list."))
            person = people.create_person(
                db.session,
                actor=current_account(),
                preferred_name=_text("preferred_name", 80),
                full_name=_text("full_name", 160),
                date_of_birth=_date("date_of_birth"),
                service=_text("service", 160) or None,
                language=language,
                communication_needs=_text("communication_needs", 2000) or None,
                preferred_formats=request.form.get("preferred_formats", "").split(","),
                communication_review_on=_date("communication_review_on"),
            )
        except ServiceError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
            flash(_("%(name)s is recorded.", name=person.preferred_name), "success")
            return redirect(url_for("staff.person", person_id=person.id), code=303)
    return render_template(
        "staff/person_new.html", error=error, languages=LANGUAGES, form=request.form
    ), (400 if error else 200)


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
def new_supporter(person_id: int) -> str | Response | tuple[str, int]:
    """Add a supporter, with their legal authority where they have one."""
    person = _person_or_404(person_id)
    error = None
    if request.method == "POST":
        try:
            role = SupporterRole(request.form.get("role", ""))
        except ValueError:
            role = None
        try:
            if role is None:
                raise ServiceError(_("Choose the supporter's role."))
            if not request.form.get("name", "").strip():
                raise ServiceError(_("Enter the supporter's name."))
            account = db.session.get(User, request.form.get("user_id", type=int) or 0)
            if account is not None and account.role != Role.ADVOCATE:
                raise ServiceError(_("Only an advocate's account can be linked."))
            language = request.form.get("language", "")
            supporter = people.add_supporter(
                db.session,
                person,
                actor=current_account(),
                name=_text("name", 160),
                relationship=_text("relationship", 80) or str(role.value),
                role=role,
                email=_text("email", 254) or None,
                phone=_text("phone", 40) or None,
                language=language if language in LANGUAGES else "en",
                user=account if role in ADVOCATE_ROLES else None,
            )
            kind = request.form.get("authority_kind", "")
            if kind:
                db.session.flush()
                people.add_authority(
                    db.session,
                    supporter,
                    actor=current_account(),
                    kind=AuthorityKind(kind),
                    scope=_text("authority_scope", 2000),
                    reference=_text("authority_reference", 80),
                    registered_on=_date("authority_registered_on"),
                    checked=request.form.get("authority_checked") == "on",
                )
        except (ServiceError, ValueError) as problem:
            db.session.rollback()
            error = (
                str(problem) if isinstance(problem, ServiceError) else _("Choose from the list.")
            )
        else:
            db.session.commit()
            flash(_("%(name)s is added.", name=supporter.name), "success")
            return redirect(url_for("staff.person", person_id=person.id), code=303)
    return render_template(
        "staff/supporter_new.html",
        person=person,
        error=error,
        roles=list(SupporterRole),
        kinds=list(AuthorityKind),
        advocates=_advocates(),
        languages=LANGUAGES,
        form=request.form,
        flag=people.communication_flag(person),
    ), (400 if error else 200)


@bp.route("/<int:person_id>/advocacy", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def advocacy(person_id: int) -> str | Response | tuple[str, int]:
    """Whether the person needs an independent advocate, and why (Care Act s67)."""
    person = _person_or_404(person_id)
    error = None
    if request.method == "POST":
        needed = request.form.get("needed") == "yes"
        reason_value = request.form.get("reason", "")
        try:
            reason = AdvocateReason(reason_value) if reason_value else None
            people.record_advocate_need(
                db.session,
                person,
                actor=current_account(),
                needed=needed,
                reason=reason if needed else None,
                difficulty=request.form.getlist("difficulty") if needed else [],
                detail=_text("detail", 2000) or None,
            )
        except (ServiceError, ValueError) as problem:
            db.session.rollback()
            error = (
                str(problem) if isinstance(problem, ServiceError) else _("Choose from the list.")
            )
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.person", person_id=person.id), code=303)
    return render_template(
        "staff/advocacy.html",
        person=person,
        error=error,
        reasons=list(AdvocateReason),
        areas=SUBSTANTIAL_DIFFICULTY_AREAS,
        flag=people.communication_flag(person),
    ), (400 if error else 200)
