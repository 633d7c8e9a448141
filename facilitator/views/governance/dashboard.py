"""The governance dashboard for a period and a service, its charts and its CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, render_template, request
from flask_babel import gettext as _

from ...auth import current_account
from ...extensions import db
from ...forms.governance import FiguresExportForm, PeriodForm
from ...models import CaptureMethod
from ...outputs.charts import Chart, Series, bar_chart
from ...outputs.labels import CAPTURE
from ...services import ServiceError, audit, scope
from ...services.audit.browse import csv_safe
from ...services.governance import record_audit, safeguarding
from ...services.reporting import dashboard as figures
from .. import edge
from . import bp
from .labels import label


def _period(asked: PeriodForm) -> figures.Period:
    """The period and service asked for in the address (a refusal when they cannot be)."""
    return figures.make_period(**asked.read().arguments())


def _charts(d: figures.Dashboard) -> dict[str, Chart]:
    capture = bar_chart(
        "chart-capture",
        _("How the person's views were captured"),
        _("Number of the person's answers and words by how they were captured."),
        [_capture(m) for m in d.capture],
        [Series(_("Answers"), list(d.capture.values()))],
    )
    routes = list(d.differing_opened)
    differing = bar_chart(
        "chart-differing",
        _("Differing views opened and resolved, by route"),
        _("Differing views opened and resolved in the period, by the route taken."),
        [str(label("route", r)) for r in routes],
        [
            Series(_("Opened"), [d.differing_opened[r] for r in routes]),
            Series(_("Resolved"), [d.differing_resolved[r] for r in routes]),
        ],
    )
    ages = bar_chart(
        "chart-ages",
        _("Differing views open now, by age"),
        _("How long the differing views still open have been open."),
        [str(label("age", band)) for band in d.differing_open_by_age],
        [Series(_("Open"), list(d.differing_open_by_age.values()))],
    )
    charts = {"capture": capture, "differing": differing, "ages": ages}
    if d.supporters:
        charts["supporters"] = bar_chart(
            "chart-supporters",
            _("Contributions and differing views by supporter"),
            _(
                "How often each supporter contributed in the period, and how often their view "
                "differed from the person's."
            ),
            [f"{p.supporter.name} ({p.person.preferred_name})" for p in d.supporters],
            [
                Series(_("Contributions"), [p.contributions for p in d.supporters]),
                Series(_("Differing views"), [p.differing for p in d.supporters]),
            ],
        )
    return charts


def _capture(method: str) -> str:
    return str(CAPTURE[CaptureMethod(method)])


@bp.route("/")
def dashboard() -> Any:
    """Headline figures under the regulator's headings, with charts and their tables."""
    # A period that cannot be read is said, above the figures of the default period.
    edge.on_refusal(lambda error: _dashboard(figures.make_period(None, None), error))
    return _dashboard(_period(PeriodForm(formdata=request.args)))


def _dashboard(period: figures.Period, error: ServiceError | None = None) -> Any:
    session = db.session
    d = figures.build(session, period)
    services = figures.services(session)
    # "All services" only for those who see every service (issue 25); others see theirs.
    if scope.sees_all(session, current_account()):
        everyone = _("All services")
    elif len(services) == 1:
        everyone, services = services[0], []  # one service: offered once, by its name
    else:
        everyone = _("Your services")
    return render_template(
        "governance/dashboard.html",
        d=d,
        period=period,
        error=error,
        services=services,
        everyone=everyone,
        charts=_charts(d),
        open_flags=safeguarding.open_flags(session, service=period.service),
        record_audits=record_audit.dashboard_figures(
            session, current_account(), start=period.start, end=period.end, service=period.service
        ),
        query={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "service": period.service or "",
        },
    )


def _breakdown(row: figures.FigureRow) -> str:
    kinds = {
        "capture": "capture",
        "differing-opened": "route",
        "differing-resolved": "route",
        "differing-open-age": "age",
    }
    if not row.breakdown:
        return ""
    if row.figure == "capture":
        return _capture(row.breakdown)
    kind = kinds.get(row.figure)
    return str(label(kind, row.breakdown)) if kind else row.breakdown


@bp.route("/dashboard.csv")
def dashboard_csv() -> Response:
    """Every figure (or one, with ?figure=) as CSV, for commissioners."""
    edge.on_refusal(lambda error: Response(str(error), status=400, mimetype="text/plain"))
    asked = FiguresExportForm(formdata=request.args)
    period = _period(asked)
    session = db.session
    d = figures.build(session, period)
    wanted = asked.figure.data
    rows = [r for r in figures.figure_rows(d) if wanted is None or r.figure == wanted]
    audit.record(
        session,
        "dashboard.exported",
        actor=current_account(),
        detail={
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "service": period.service,
            "figure": wanted,
        },
    )
    edge.keep_trace()  # who exported the figures
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([
        "period_start", "period_end", "service", "section_id", "section", "figure_id", "figure",
        "breakdown_id", "breakdown", "value", "out_of", "percent",
    ])  # fmt: skip
    for r in rows:
        writer.writerow(
            csv_safe(v)
            for v in (
                period.start.isoformat(),
                period.end.isoformat(),
                period.service or "",
                r.section,
                label("section", r.section),
                r.figure,
                label("figure", r.figure),
                r.breakdown,
                _breakdown(r),
                r.value,
                "" if r.whole is None else r.whole,
                "" if r.percent is None else r.percent,
            )  # fmt: skip
        )
    name = f"facilitator-figures-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
