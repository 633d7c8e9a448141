"""Administrators: services (issue 25). Creating one, closing or reopening it, naming its
safeguarding leads, and the services each account belongs to.

On the administration blueprint (``admin.services`` and so on). Each write reads a form, names
where a refusal is shown, calls ``services/accounts/service_admin`` and redirects; the edge
commits.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ...auth import current_account, roles_required
from ...extensions import db
from ...forms.account import ConfirmForm
from ...forms.services import KIND_LABELS, AccountServicesForm, LeadsForm, ServiceForm
from ...models import Role, User
from ...models.services import Service, ServiceLead, StaffService
from ...services import ServiceError
from ...services.accounts import service_admin
from .. import edge
from .admin import bp


def _services_page(form: ServiceForm) -> str:
    services = service_admin.all_services(db.session)
    return render_template(
        "admin/services.html",
        form=form,
        services=services,
        kinds=KIND_LABELS,
        people={s.id: service_admin.people_in(db.session, s) for s in services},
        leads=_names(ServiceLead),
        staff=_names(StaffService),
    )


def _names(table: type[ServiceLead] | type[StaffService]) -> dict[int, list[str]]:
    """Each service's accounts in ``table`` (its leads, or its staff), by name."""
    rows = db.session.execute(
        select(table.service_id, User.name)
        .join(User, User.id == table.user_id)
        .where(User.active)
        .order_by(User.name)
    )
    names: dict[int, list[str]] = {}
    for service_id, name in rows:
        names.setdefault(service_id, []).append(name)
    return names


@bp.route("/services", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def services() -> ResponseReturnValue:
    """Every service, and a new one."""
    form = ServiceForm()
    if not form.validate_on_submit():
        return _services_page(form), 400 if form.is_submitted() else 200

    def refused(error: ServiceError) -> str:
        form.form_errors.append(str(error))
        return _services_page(form)

    edge.on_refusal(refused)
    made = service_admin.create_service(
        db.session,
        current_account(),
        name=form.name.data or "",
        kind=form.kind.data or "",
        cqc_location_id=form.cqc_location_id.data,
    )
    flash(_("%(name)s is made. Now add the staff who work there.", name=made.name), "success")
    return redirect(url_for("admin.service", service_id=made.id), code=303)


def _service_or_404(service_id: int) -> Service:
    service = db.session.get(Service, service_id)
    if service is None:
        abort(404)
    return service


def _service_page(service: Service, form: LeadsForm, status: int = 200) -> tuple[str, int]:
    members = set(
        db.session.scalars(
            select(StaffService.user_id).where(StaffService.service_id == service.id)
        )
    )
    staff = db.session.scalars(
        select(User)
        .where(User.role.in_(service_admin.SERVICE_ROLES))
        .where(User.id.in_(members) | User.all_services.is_(True))
        .order_by(User.name)
    ).all()
    return (
        render_template(
            "admin/service.html",
            service=service,
            kinds=KIND_LABELS,
            form=form,
            people=service_admin.people_in(db.session, service),
            staff=staff,
            members=members,
            candidates=service_admin.may_lead(db.session, service),
            leads=service_admin.lead_ids_of(db.session, service),
        ),
        status,
    )


@bp.route("/services/<int:service_id>")
@roles_required(Role.ADMIN)
def service(service_id: int) -> tuple[str, int]:
    """One service: who works there, its safeguarding leads, closing it."""
    return _service_page(_service_or_404(service_id), LeadsForm(formdata=None))


@bp.route("/services/<int:service_id>/leads", methods=["POST"])
@roles_required(Role.ADMIN)
def service_leads(service_id: int) -> ResponseReturnValue:
    """Name the service's safeguarding leads (the whole list, ticked)."""
    service = _service_or_404(service_id)
    form = LeadsForm()
    if not form.validate_on_submit():
        return _service_page(service, form, 400)
    edge.on_refusal(lambda error: _service_page(service, _with_error(form, error), 400))
    change = service_admin.set_leads(db.session, current_account(), service, form.leads.data or [])
    if change:
        flash(_("The safeguarding leads of %(name)s are saved.", name=service.name), "success")
    else:
        flash(_("Nothing changed: those were already the leads."), "info")
    return redirect(url_for("admin.service", service_id=service.id), code=303)


def _with_error(
    form: LeadsForm | AccountServicesForm, error: ServiceError
) -> LeadsForm | AccountServicesForm:
    form.form_errors.append(str(error))
    return form


def _open_or_close(service_id: int, open_: bool) -> Response:
    service = _service_or_404(service_id)
    back = url_for("admin.service", service_id=service.id)
    if ConfirmForm().validate_on_submit():
        edge.refusal_returns_to(back)
        changed = service_admin.set_open(db.session, current_account(), service, open_)
        if not changed:
            flash(_("Nothing changed."), "info")
        elif open_:
            flash(_("%(name)s is open again.", name=service.name), "success")
        else:
            flash(_("%(name)s is closed. Its records are kept.", name=service.name), "success")
    return redirect(back, code=303)


@bp.route("/services/<int:service_id>/close", methods=["POST"])
@roles_required(Role.ADMIN)
def close_service(service_id: int) -> Response:
    """Close a service that nobody lives in any more."""
    return _open_or_close(service_id, False)


@bp.route("/services/<int:service_id>/reopen", methods=["POST"])
@roles_required(Role.ADMIN)
def reopen_service(service_id: int) -> Response:
    """Open a closed service again."""
    return _open_or_close(service_id, True)


def _account_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _account_services_page(
    account: User, form: AccountServicesForm, status: int = 200
) -> tuple[str, int]:
    mine = service_admin.service_ids_of(db.session, account)
    return (
        render_template(
            "admin/account_services.html",
            account=account,
            form=form,
            services=service_admin.all_services(db.session),
            kinds=KIND_LABELS,
            ticked=_ticked(form, mine),
            may_see_all=account.role in service_admin.ALL_SERVICES_ROLES,
            in_services=account.role in service_admin.SERVICE_ROLES,
        ),
        status,
    )


def _ticked(form: AccountServicesForm, mine: set[int]) -> set[str]:
    """The boxes to show ticked: as sent, after a refusal; otherwise as stored."""
    if form.is_submitted():
        return {str(v) for v in form.services.data or []}
    return {str(v) for v in mine}


@bp.route("/users/<int:user_id>/services", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def account_services(user_id: int) -> ResponseReturnValue:
    """The services one account works in, or (for a manager) all services."""
    account = _account_or_404(user_id)
    if not AccountServicesForm().is_submitted():
        form = AccountServicesForm(formdata=None, all_services=account.all_services)
        return _account_services_page(account, form)
    form = AccountServicesForm()
    if not form.validate_on_submit():
        return _account_services_page(account, form, 400)
    edge.on_refusal(lambda error: _account_services_page(account, _with_error(form, error), 400))
    change = service_admin.set_account_services(
        db.session,
        current_account(),
        account,
        form.services.data or [],
        all_services=bool(form.all_services.data),
    )
    if change:
        flash(_("Saved. %(name)s now sees the people of these services.", name=account.name),
              "success")  # fmt: skip
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("admin.account_services", user_id=account.id), code=303)
