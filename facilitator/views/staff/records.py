"""Staff keep a person's record up to date (issue 17): the person's details, a supporter's
details, the end of a supporter's involvement, and legal authority recorded, corrected or ended.

Each edit is made from the version the page was read at; when someone else saved first the
page shows the saved version beside the one typed (409) and nothing typed is lost.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.fields import sent
from ...forms.records import AuthorityForm, EndForm, PersonDetailsForm, SupporterDetailsForm
from ...i18n import LANGUAGES
from ...models import AuthorityKind, LegalAuthority, Person, Relationship, Supporter, User
from ...services import ServiceError, StaleVersion, people, supporters
from .. import edge

bp = Blueprint("staff_records", __name__, url_prefix="/staff/people")


def _person_page(person: Person) -> str:
    return url_for("staff.person", person_id=person.id)


def _record_page(
    template: str, person: Person, error: ServiceError | None, **context: object
) -> str:
    """A record page of the person, shown again after a refusal: the refusal's words, and
    whether it was someone else's newer save (both versions are then shown)."""
    return render_template(
        template,
        person=person,
        error=str(error) if error else None,
        conflict=isinstance(error, StaleVersion),
        flag=people.communication_flag(person),
        **context,
    )


@bp.route("/<int:person_id>/details", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def details(person_id: int) -> ResponseReturnValue:
    """Correct the person's names and date of birth."""
    person = people.get_person(db.session, person_id)
    form = PersonDetailsForm(
        data={
            "version": person.version,
            "preferred_name": person.preferred_name,
            "full_name": person.full_name,
            "date_of_birth": person.date_of_birth,
        }
    )

    def page(error: ServiceError | None = None) -> str:
        return _record_page("staff/person_details.html", person, error, form=form)

    edge.on_refusal(page)
    if sent(form):
        supporters.update_details(
            db.session,
            person,
            actor=current_account(),
            version=form.version.data,
            preferred_name=form.preferred_name.data,
            full_name=form.full_name.data,
            date_of_birth=form.date_of_birth.data,
        )
        flash(_("Saved."), "success")
        return redirect(_person_page(person), code=303)
    return page()


def _supporter(person_id: int, supporter_id: int) -> tuple[Person, Supporter]:
    person = people.get_person(db.session, person_id)
    return person, supporters.get_supporter(db.session, person, supporter_id)


def _supporter_data(supporter: Supporter) -> dict[str, object]:
    """The supporter as stored, to fill the form."""
    return {
        "version": supporter.version,
        "name": supporter.name,
        "relationship": supporter.relationship_to_person,
        "relationship_note": supporter.relationship_note or "",
        "email": supporter.email or "",
        "phone": supporter.phone or "",
        "code_by": supporter.code_by,
        "language": supporter.language,
        "communication_needs": supporter.communication_needs or "",
    }


def _authority_data(authority: LegalAuthority) -> dict[str, object]:
    """The authority as stored, to fill the form."""
    return {
        "version": authority.version,
        "kind": authority.kind.value,
        "scope": authority.scope,
        "reference": authority.reference,
        "registered_on": authority.registered_on,
    }


def _supporter_page(
    person: Person,
    supporter: Supporter,
    form: SupporterDetailsForm,
    end_form: EndForm,
    error: ServiceError | None = None,
    typed: str = "",
) -> str:
    return _record_page(
        "staff/supporter.html",
        person,
        error,
        supporter=supporter,
        form=form,
        end_form=end_form,
        typed=typed if error is not None else "",
        relationships=list(Relationship),
        languages=LANGUAGES,
        today=date.today().isoformat(),
    )


@bp.route("/<int:person_id>/supporters/<int:supporter_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def supporter(person_id: int, supporter_id: int) -> ResponseReturnValue:
    """A supporter: their details, their legal authority, and ending their involvement."""
    person, record = _supporter(person_id, supporter_id)
    form = SupporterDetailsForm(data=_supporter_data(record))
    end_form = EndForm(formdata=None, data={"version": record.version})
    edge.on_refusal(lambda error: _supporter_page(person, record, form, end_form, error, "details"))
    if sent(form):
        supporters.update_supporter(
            db.session,
            record,
            actor=current_account(),
            version=form.version.data,
            name=form.name.data,
            relationship=form.relationship.data,
            relationship_note=form.relationship_note.data,
            email=form.email.data,
            phone=form.phone.data,
            code_by=form.code_by.data or None,  # not sent: unchanged
            language=form.language_code(),
            communication_needs=form.communication_needs.data,
        )
        flash(_("Saved."), "success")
        return redirect(_person_page(person), code=303)
    return _supporter_page(person, record, form, end_form)


@bp.route("/<int:person_id>/supporters/<int:supporter_id>/end", methods=["POST"])
@roles_required(*STAFF_ROLES)
def end_involvement(person_id: int, supporter_id: int) -> ResponseReturnValue:
    """End a supporter's involvement: their links stop working; what they said stays."""
    person, record = _supporter(person_id, supporter_id)
    end_form = EndForm()
    form = SupporterDetailsForm(formdata=None, data=_supporter_data(record))
    edge.on_refusal(lambda error: _supporter_page(person, record, form, end_form, error, "end"))
    if sent(end_form):
        ended = supporters.end_involvement(
            db.session,
            record,
            actor=current_account(),
            version=end_form.version.data,
            ended_on=end_form.ended_on.data,
            reason=end_form.reason.data,
        )
        message = _("%(name)s is no longer involved. What they said stays on the record.",
                    name=record.name)  # fmt: skip
        if ended:
            message += " " + _("Their family links no longer work.")
        flash(message, "success")
    return redirect(_person_page(person), code=303)


def _authority_page(
    person: Person,
    supporter: Supporter,
    authority: LegalAuthority | None,
    form: AuthorityForm,
    end_form: EndForm,
    error: ServiceError | None = None,
    typed: str = "",
) -> str:
    return _record_page(
        "staff/authority.html",
        person,
        error,
        supporter=supporter,
        authority=authority,
        form=form,
        end_form=end_form,
        typed=typed if error is not None else "",
        kinds=list(AuthorityKind),
        checker=db.session.get(User, authority.checked_by_id)
        if authority is not None and authority.checked_by_id
        else None,
        today=date.today().isoformat(),
    )


@bp.route("/<int:person_id>/supporters/<int:supporter_id>/authorities/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def new_authority(person_id: int, supporter_id: int) -> ResponseReturnValue:
    """Record an LPA or deputyship for a supporter, with who checked it and when."""
    person, record = _supporter(person_id, supporter_id)
    form = AuthorityForm(data={"version": 0})
    end_form = EndForm(formdata=None)
    edge.on_refusal(
        lambda error: _authority_page(person, record, None, form, end_form, error, "authority")
    )
    if sent(form):
        people.add_authority(
            db.session,
            record,
            actor=current_account(),
            kind=AuthorityKind(form.kind.data),
            scope=form.scope.data,
            reference=form.reference.data,
            registered_on=form.registered_on.data,
            checked=form.checked.data,
        )
        flash(_("The legal authority is recorded."), "success")
        return redirect(_person_page(person), code=303)
    return _authority_page(person, record, None, form, end_form)


@bp.route(
    "/<int:person_id>/supporters/<int:supporter_id>/authorities/<int:authority_id>",
    methods=["GET", "POST"],
)
@roles_required(*STAFF_ROLES)
def authority(person_id: int, supporter_id: int, authority_id: int) -> ResponseReturnValue:
    """Correct a legal authority (ticking "checked" records who checked it and when)."""
    person, record = _supporter(person_id, supporter_id)
    held = supporters.get_authority(db.session, record, authority_id)
    form = AuthorityForm(data=_authority_data(held))
    end_form = EndForm(formdata=None, data={"version": held.version})
    edge.on_refusal(
        lambda error: _authority_page(person, record, held, form, end_form, error, "authority")
    )
    if sent(form):
        supporters.correct_authority(
            db.session,
            held,
            actor=current_account(),
            version=form.version.data,
            kind=AuthorityKind(form.kind.data),
            scope=form.scope.data,
            reference=form.reference.data,
            registered_on=form.registered_on.data,
            checked=form.checked.data,
        )
        flash(_("The legal authority is corrected."), "success")
        return redirect(_person_page(person), code=303)
    return _authority_page(person, record, held, form, end_form)


@bp.route(
    "/<int:person_id>/supporters/<int:supporter_id>/authorities/<int:authority_id>/end",
    methods=["POST"],
)
@roles_required(*STAFF_ROLES)
def end_authority(person_id: int, supporter_id: int, authority_id: int) -> ResponseReturnValue:
    """An authority that no longer stands: kept on the record, no longer counted."""
    person, record = _supporter(person_id, supporter_id)
    held = supporters.get_authority(db.session, record, authority_id)
    end_form = EndForm()
    form = AuthorityForm(formdata=None, data=_authority_data(held))
    edge.on_refusal(
        lambda error: _authority_page(person, record, held, form, end_form, error, "end")
    )
    if sent(end_form):
        supporters.end_authority(
            db.session,
            held,
            actor=current_account(),
            version=end_form.version.data,
            ended_on=end_form.ended_on.data,
            reason=end_form.reason.data,
        )
        flash(_("The legal authority is recorded as ended."), "success")
    return redirect(_person_page(person), code=303)
