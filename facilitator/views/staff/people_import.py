"""Managers and administrators import people (and their supporters) from a CSV file: upload,
a preview listing every problem by row and column, then confirm (issue 20)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.exceptions import RequestEntityTooLarge

from ...auth import current_account, roles_required
from ...extensions import db
from ...forms.fields import Unreadable
from ...forms.people_import import ConfirmImportForm, PeopleImportForm
from ...models import Role
from ...services.data import people_import
from .. import edge

bp = Blueprint("people_import", __name__, url_prefix="/staff/people/import")
ROLES = (Role.MANAGER, Role.ADMIN)


def _page(error: str | None = None, preview: people_import.Preview | None = None) -> str:
    return render_template(
        "staff/people_import.html", error=error, preview=preview, form=PeopleImportForm(),
        columns=people_import.COLUMNS, required=people_import.REQUIRED,
        roles=people_import.IMPORT_SUPPORTER_ROLES,
        max_mb=f"{_max_bytes() / (1024 * 1024):g}", max_rows=people_import.MAX_ROWS,
    )  # fmt: skip


def _max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", people_import.MAX_BYTES))


@bp.route("/", methods=["GET"])
@roles_required(*ROLES)
def start() -> str:
    """What the file needs, and the upload."""
    return _page()


@bp.route("/", methods=["POST"])
@roles_required(*ROLES)
def upload() -> ResponseReturnValue:
    """Read the whole file: a preview of who would be added, or every problem in it."""
    form = PeopleImportForm()
    edge.on_refusal(lambda refusal: _page(str(refusal)))
    if not form.validate():
        raise Unreadable(form)
    preview = people_import.preview_import(
        db.session, actor=current_account(), filename=form.file.data.filename or "",
        data=form.file.data.read(_max_bytes() + 1), max_bytes=_max_bytes(),
    )  # fmt: skip
    return _page(preview=preview), (200 if preview.ok else 400)


@bp.route("/confirm", methods=["POST"])
@roles_required(*ROLES)
def confirm() -> ResponseReturnValue:
    """Write everyone in the previewed file, through the people service."""
    form = ConfirmImportForm()
    edge.refusal_returns_to(url_for("people_import.start"))
    if not form.validate():
        raise Unreadable(form)
    kept = people_import.confirm_import(
        db.session, actor=current_account(), import_id=form.import_id.data
    )
    count = kept.people_created or 0
    flash(ngettext("%(num)d person is added.", "%(num)d people are added.", count), "success")
    return redirect(url_for("staff.home"), code=303)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> Any:
    """A request past MAX_CONTENT_LENGTH is refused before it is read: say so on the page."""
    message = _(
        "The file is larger than %(size)s MB. Split it into smaller files and import each.",
        size=f"{_max_bytes() / (1024 * 1024):g}",
    )
    return _page(message), 413
