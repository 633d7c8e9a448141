"""Home (by role), the language chosen (for this browser, or for one's account), and the
operator's addresses: ``/healthz`` (alive), ``/readyz`` (ready for traffic) and ``/metrics``
(Prometheus, with METRICS_TOKEN only). The edge commits an account's language with the
redirect."""

from __future__ import annotations

import hmac
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from .. import observability
from ..extensions import db
from ..forms.account import LanguageForm
from ..models import Role
from ..services import audit
from ..services.data import readiness

bp = Blueprint("main", __name__)

# The app's icon (scripts/make_icons.py draws it at set-up), also at the address browsers ask
# for unprompted, instead of a 404 on every first visit. Served like a static file (no session
# look-up, a file's headers, open to a locked tablet): security.STATIC_ENDPOINTS names both. Its own
# endpoint, not a second rule of "static": that rule took over building and served the icon's
# static address as a redirect.
FAVICON = "vendor/icons/icon-192.png"


@bp.route("/favicon.ico")
def favicon() -> Response:
    """The app's icon, where a browser looks for it unprompted."""
    return current_app.send_static_file(FAVICON)


HOME_BY_ROLE = {
    Role.STAFF: "staff.home",
    Role.MANAGER: "governance.dashboard",
    Role.ADMIN: "admin.users",
    Role.ADVOCATE: "advocate.home",
}


@bp.route("/")
def index() -> Response:
    """Signed-in users go to their home; everyone else to sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.sign_in"))


@bp.route("/home")
@login_required
def home() -> Response:
    """Each role has its own starting page."""
    return redirect(url_for(HOME_BY_ROLE[current_user.role]))


@bp.route("/language", methods=["POST"])
def choose_language() -> Response:
    """Remember the chosen language for this browser session."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session["lang"] = form.language.data
    return redirect(form.back_to(url_for("main.index")))


@bp.route("/account/language", methods=["GET", "POST"])
@login_required
def account_language() -> str | Response:
    """The language this account's pages are shown in."""
    form = LanguageForm()
    if not form.is_submitted():
        return render_template("main/account_language.html")
    if not form.validate():
        abort(400)
    user = current_user.user
    user.language = form.language.data
    session.pop("lang", None)  # the account's choice now applies
    audit.record(db.session, "user.language_set", actor=user, obj=user)
    flash(_("Your language is saved."), "success")
    return redirect(url_for("main.account_language"))


@bp.route("/healthz")
def health() -> tuple[dict[str, str], int]:
    """For load balancers: is the app up and the database reachable?"""
    db.ping()
    return {"status": "ok"}, 200


@bp.route("/readyz")
def ready() -> tuple[dict[str, object], int]:
    """For load balancers: send this instance traffic? 200, or 503 with the reason."""
    speech = None
    if current_app.config.get("READY_REQUIRES_SPEECH"):
        speech = Path(current_app.config["SPEECH_CACHE_DIR"])
    found = readiness.check(
        db.session,
        database_url=str(current_app.config["DATABASE_URL"]),
        speech_cache=speech,
        speech_rate=int(current_app.config.get("SPEECH_DEFAULT_RATE", 135)),
    )
    if found.ready:
        return {"status": "ready", "checks": found.checks}, 200
    return {"status": "not ready", "reason": found.reason, "checks": found.checks}, 503


@bp.route("/metrics")
def metrics() -> Response:
    """Request counts and latencies for Prometheus, only with ``Authorization: Bearer
    <METRICS_TOKEN>``; without the setting there is no such page."""
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return Response(
            "A metrics token is needed.\n",
            status=401,
            mimetype="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body, content_type = observability.exposition()
    return Response(body, content_type=content_type)
