"""Outcome figures (issue 20): did it happen, outcomes against the person's stated view (the
"dependency or control" table), trends by quarter and a comparison of services."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from ...auth import current_account
from ...extensions import db
from ...forms.governance import OutcomesForm
from ...models import OutcomeAction, Person
from ...outputs.charts import Series, bar_chart
from ...services import ServiceError, scope
from ...services.reporting import dashboard as figures
from ...services.reporting import outcomes
from .. import edge
from . import bp


def _words() -> dict[str, str]:
    return {
        "reviews_held": _("Reviews held"),
        "person_first": _("Person's views captured first and confirmed (%)"),
        "person_confirmed": _("Reviews confirmed by the person"),
        "non_participation": _("Reviews where the person could not take part"),
        "actions": _("Outcome actions"),
        "actions_linked": _("Actions linked to the person's own words (%)"),
        "actions_with_reason": _("Actions with a stated reason for no link"),
        "differing_opened": _("Differing views opened"),
        "differing_resolved": _("Differing views resolved"),
        "complaints_received": _("Complaints about involvement received"),
        "flags_raised": _("Safety flags raised"),
        "flags_cleared": _("Safety flags cleared"),
        "communications": _("Decisions communicated"),
        "happened": _("Actions the person said happened (%)"),
        "not_answered": _("Actions not answered at the next review"),
        "disagreements": _("Actions where the person and staff disagree"),
        "against": _("Decided differing views that went against the person's view (%)"),
    }


def _scope(chosen: int | None) -> tuple[list[int] | None, list[Any]]:
    """The service ids to count (None: every service, for those who see all) and the
    services the viewer may choose from. A service not theirs is refused."""
    session = db.session
    viewer = current_account()
    services = scope.services_for(session, viewer, active_only=False)
    if chosen is not None:
        if chosen not in {s.id for s in services}:
            raise ServiceError(_("Choose a service from the list."))
        return [chosen], services
    if scope.sees_all(session, viewer):
        return None, services
    return [s.id for s in services], services


@bp.route("/outcomes")
def outcomes_page() -> Any:
    """Outcome figures for a period and a service, with trends over the last 8 quarters."""
    edge.on_refusal(lambda error: _page(OutcomesForm(formdata=None), error))
    return _page(OutcomesForm(formdata=request.args).read())


def _page(asked: OutcomesForm, error: ServiceError | None = None) -> Any:
    session = db.session
    period = figures.make_period(asked.start.data, asked.end.data)
    service_ids, services = _scope(asked.service.data if error is None else None)
    happened = outcomes.did_it_happen(
        session, service_ids=service_ids, start=period.start, end=period.end
    )
    against = outcomes.against_persons_view(
        session, service_ids=service_ids, start=period.start, end=period.end
    )
    trends = outcomes.quarterly_trends(session, service_ids=service_ids, as_of=period.end)
    comparison = outcomes.service_comparison(
        session,
        service_ids=service_ids if service_ids is not None else [s.id for s in services],
        start=period.start,
        end=period.end,
    )
    action_ids = [d.action_id for d in happened.disagreements]
    actions = {
        a.id: a
        for a in session.scalars(select(OutcomeAction).where(OutcomeAction.id.in_(action_ids)))
    }
    person_ids = {d.person_id for d in happened.disagreements}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    viewer = current_account()
    # A link to each record only where the viewer may open it (need to know, issue 25).
    may_open = {
        pid: scope.may_see_person(session, viewer, pid)
        for pid in person_ids | {r.person.id for r in against.by_supporter if r.person is not None}
    }
    labels = [f.label for f in trends]
    counts_chart = bar_chart(
        "chart-trend-counts",
        _("Reviews and actions by quarter"),
        _("Reviews held and outcome actions written in each of the last 8 quarters."),
        labels,
        [
            Series(_("Reviews held"), outcomes.share_values(trends, "reviews_held")),
            Series(_("Outcome actions"), outcomes.share_values(trends, "actions")),
        ],
    )
    shares_chart = bar_chart(
        "chart-trend-shares",
        _("Outcomes by quarter (%)"),
        _(
            "In each of the last 8 quarters: the share of actions the person said happened, and "
            "the share of decided differing views that went against the person's view."
        ),
        labels,
        [
            Series(_("Said it happened (%)"), outcomes.share_values(trends, "happened")),
            Series(_("Against the person's view (%)"), outcomes.share_values(trends, "against")),
        ],
    )
    return render_template(
        "governance/outcomes.html",
        period=period,
        error=error,
        services=services,
        chosen=asked.service.data if error is None else None,
        happened=happened,
        against=against,
        trends=trends,
        comparison=comparison,
        words=_words(),
        figures_order=[name for name, _share in outcomes.TREND_FIGURES],
        actions=actions,
        people=people,
        may_open=may_open,
        charts={"counts": counts_chart, "shares": shares_chart},
        Share=figures.Share,
    )
