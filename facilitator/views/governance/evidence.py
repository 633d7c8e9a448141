"""The evidence pack (issue 20): a page to choose the period, service and language, and the pack
itself as a tagged PDF, CSV or JSON, each the same content. A pack leaves the provider, so each
download is audited (who, which period and service, which format and language).

The person's own pack (easy read, for their own reviews) is here too, on the staff blueprint:
staff open it from the person's page and give it to the person."""

from __future__ import annotations

import time
from typing import Any

from flask import Response, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _

from ...auth import STAFF_ROLES, current_account, roles_required
from ...extensions import db
from ...forms.evidence import EvidencePackForm
from ...i18n import LANGUAGES
from ...outputs import evidence_pack as written
from ...services import ServiceError, audit, scope
from ...services.reporting import dashboard as figures
from ...services.reporting import evidence_pack, person_pack
from .. import edge
from ..lookup import person_or_404
from ..staff.staff import bp as staff_bp
from ..staff.you_said import file_names
from . import bp

FORMATS = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
}


def _asked() -> tuple[figures.Period, str, bool]:
    asked = EvidencePackForm(formdata=request.args).read()
    period = figures.make_period(**asked.arguments())
    return period, evidence_pack.pack_language(asked.lang.data), bool(asked.trends.data)


def _build(period: figures.Period, trends: bool = False) -> evidence_pack.Pack:
    session = db.session
    return evidence_pack.build(
        session,
        period,
        service_ids=scope.service_ids_for(session, current_account()),
        extras=("trends",) if trends else (),
    )


@bp.route("/evidence-pack")
def evidence_pack_page() -> Any:
    """Choose the period, service and language; see the pack's figures; download it."""
    edge.on_refusal(lambda error: _page(figures.make_period(None, None), "en", False, error))
    period, lang, trends = _asked()
    return _page(period, lang, trends)


def _page(
    period: figures.Period, lang: str, trends: bool, error: ServiceError | None = None
) -> Any:
    session = db.session
    services = figures.services(session)
    if scope.sees_all(session, current_account()):
        everyone = _("All services")
    elif len(services) == 1:
        everyone, services = services[0], []
    else:
        everyone = _("Your services")
    pack = _build(period, trends)
    query = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "service": period.service or "",
        "lang": lang,
    }
    if trends:
        query["trends"] = "yes"
    return render_template(
        "governance/evidence_pack.html",
        pack=pack,
        groups=written.grouped(pack),
        cells=written.figure_cells,
        pivoted=written.PIVOTED,
        pivot=written.pivot,
        period=period,
        lang=lang,
        trends=trends,
        error=error,
        services=services,
        everyone=everyone,
        query=query,
    )


def _download(kind: str) -> Response:
    edge.on_refusal(lambda error: Response(str(error), status=400, mimetype="text/plain"))
    period, lang, trends = _asked()
    account = current_account()
    started = time.perf_counter()
    with force_locale(lang):
        pack = _build(period, trends)
        author = account.name if account is not None else "Facilitator"
        if kind == "pdf":
            body: bytes | str = written.to_pdf(pack, lang, author=author)
        elif kind == "csv":
            body = written.to_csv(pack)
        else:
            body = written.to_json(pack, lang)
        title = _("Evidence pack")
    size = len(body if isinstance(body, bytes) else body.encode())
    audit.record(
        db.session,
        "evidence_pack.exported",
        actor=account,
        detail={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "service": period.service,
            "format": kind,
            "language": lang,
            "trends": trends,
            "bytes": size,
        },
    )
    edge.keep_trace()  # a pack leaving the provider is audited
    current_app.logger.info(
        "evidence pack %s: %d bytes in %.2f s", kind, size, time.perf_counter() - started
    )
    response = Response(body, mimetype=FORMATS[kind], headers={"Cache-Control": "no-store"})
    name = f"{title} {period.start.isoformat()} {period.end.isoformat()}.{kind}"
    fallback = f"evidence-pack-{period.start.isoformat()}-to-{period.end.isoformat()}.{kind}"
    response.headers.set("Content-Disposition", "attachment", **file_names(name, fallback=fallback))
    return response


@bp.route("/evidence-pack.pdf")
def evidence_pack_pdf() -> Response:
    """The pack as a tagged PDF (headings, tables, language), for a commissioner or inspector."""
    return _download("pdf")


@bp.route("/evidence-pack.csv")
def evidence_pack_csv() -> Response:
    """The same pack as CSV: one row per figure, with the ids and the words."""
    return _download("csv")


@bp.route("/evidence-pack.json")
def evidence_pack_json() -> Response:
    """The same pack as JSON."""
    return _download("json")


# --- one person's own pack, from their staff page -------------------------------------------


@staff_bp.route("/people/<int:person_id>/evidence-pack.pdf")
@roles_required(*STAFF_ROLES)
def person_evidence_pack(person_id: int) -> Response:
    """The person's own reviews in easy read (a tagged PDF), in their language, to give them."""
    session = db.session
    person = person_or_404(person_id)
    lang = person.language if person.language in LANGUAGES else "en"
    account = current_account()
    with force_locale(lang):
        data = written.person_pdf(
            person,
            person_pack.person_reviews(session, person),
            person_pack.supporter_count(session, person),
            lang,
            author=account.name,
        )
        title = _("Your reviews, %(name)s", name=person.preferred_name)
    audit.record(
        session,
        "evidence_pack.person_pdf",
        actor=account,
        obj=person,
        person_id=person.id,
        detail={"language": lang, "bytes": len(data)},
    )
    edge.keep_trace()  # who made the person's pack
    response = Response(data, mimetype="application/pdf", headers={"Cache-Control": "no-store"})
    names = file_names(f"{title}.pdf", fallback=f"your-reviews-{person.id}.pdf")
    response.headers.set("Content-Disposition", "attachment", **names)
    return response
