"""Administrators: accounts."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..auth import current_account, roles_required
from ..extensions import db
from ..forms.auth import CreateUserForm
from ..models import Role, User
from ..services import ServiceError, accounts

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users() -> str | Response | tuple[str, int]:
    """List accounts and create a new one."""
    form = CreateUserForm()
    status = 200
    if form.validate_on_submit():
        try:
            accounts.create_user(
                db.session,
                email=form.email.data or "",
                name=form.name.data or "",
                role=form.role.data or "staff",
                password=form.password.data or "",
                actor=current_account(),
            )
        except ServiceError as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(error)]
            status = 400
        else:
            db.session.commit()
            flash(_("The account has been created."), "success")
            return redirect(url_for("admin.users"))
    elif form.is_submitted():
        status = 400
    all_users = db.session.scalars(select(User).order_by(User.role, User.name)).all()
    return render_template("admin/users.html", form=form, users=all_users), status
