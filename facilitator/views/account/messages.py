"""Administrators: the Messages page (issue 18). Every message in the outbox, newest first,
with its status; one message's recipient, subject, text (its secret never shown), tries and
last error; and "Send again" for one that failed (audited by ``outbox.send_again``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ...auth import current_account, roles_required
from ...extensions import db
from ...forms.account import ConfirmForm
from ...forms.messages import STATUS_CHOICES, MessagesFilterForm
from ...models import Role
from ...services.messages import outbox
from .. import edge
from .admin import bp


@bp.get("/messages")
@roles_required(Role.ADMIN)
def messages() -> ResponseReturnValue:
    """The outbox, newest first, a page at a time, of one status or all."""
    form = MessagesFilterForm(formdata=request.args)
    readable = form.validate()
    status = (form.status.data or None) if readable else None
    page = (form.page.data or 1) if readable else 1
    rows, total = outbox.listing(db.session, status=status, page=page)
    pages = max(1, -(-total // outbox.PAGE_SIZE))
    return render_template(
        "admin/messages.html",
        form=form,
        readable=readable,
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        status=status,
        labels=dict(STATUS_CHOICES),
    )


@bp.get("/messages/<int:message_id>")
@roles_required(Role.ADMIN)
def message(message_id: int) -> ResponseReturnValue:
    """One message, as it was (or will be) sent, with its secret hidden."""
    found = outbox.get(db.session, message_id)
    return render_template(
        "admin/message.html",
        message=found,
        text=outbox.masked(found.text),
        labels=dict(STATUS_CHOICES),
        form=ConfirmForm(formdata=None),
    )


@bp.post("/messages/<int:message_id>/send-again")
@roles_required(Role.ADMIN)
def message_send_again(message_id: int) -> ResponseReturnValue:
    """Try a failed message again, for another 24 hours."""
    back = url_for("admin.message", message_id=message_id)
    if ConfirmForm().validate_on_submit():
        edge.refusal_returns_to(back)
        outbox.send_again(db.session, message_id, current_account())
        flash(_("The message will be sent again in the next few moments."), "success")
    return redirect(back, code=303)
