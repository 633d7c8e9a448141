"""The whole application, swept: every page each kind of user can reach, in Chromium.

For each kind of user (the person on a locked tablet, a family member on their link, an
advocate, staff, a manager, an administrator, and staff and a manager of each demo service,
who reach only their own service's people) the sweep starts at that user's home and follows
every same-origin GET link, breadth first. Nothing is listed by hand, so a page added later is
swept too. Left out: signing out and leaving person mode (forms, never links), downloads (PDF,
CSV, JSON, audio) and anything that is not an HTML page.

On every page:

* axe-core finds no violations (WCAG 2.2 A and AA and best practice) at tablet size, as
  assert_no_axe_violations would, each page's listed at the end;
* at 320 CSS px wide (WCAG 1.4.10 Reflow: 1280 px at 400% zoom) nothing scrolls sideways, no
  link, button or field is cut off, and axe-core's layout rules (target size) still pass;
* at 200% text size (WCAG 1.4.4 Resize text: the root font size doubled, which every rem and em
  follows, as a browser's text-only zoom does) nothing scrolls sideways, no text is clipped by
  a box that hides overflow, and every control is still on the page and visible.

Each check runs on the page already loaded (resizing the viewport, then changing the font size
through the CSS object model, which the strict CSP allows), so every page loads once. The
number of pages swept per kind of user and the time taken are printed (pytest -s shows them).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select

from .conftest import AXE, AXE_TAGS, TABLET, sign_in_page

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
# axe-core's rules whose outcome changes with the layout, run again at 320 px: links that wrap
# onto the next line can end up too close together to tap.
NARROW_RULES = ["target-size", "scrollable-region-focusable"]
MAX_PAGES = 120  # per kind of user; the sweep fails rather than stop quietly past it
SAME_SHAPE = 2  # pages whose address differs only in its numbers share a template (seeds always go)
DOWNLOAD = re.compile(
    r"\.(pdf|csv|json|mp3|ogg|wav|webm|m4a|zip|ics|js|webmanifest|svg|png|jpe?g|webp)$"
)
NEVER = ("/static/", "/person/audio/", "/family/link/", "/sign-out", "/family/leave")

# All the links on the page, as absolute addresses, except those marked as downloads.
LINKS_JS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => !a.hasAttribute('download'))
  .map(a => a.href)"""

# The checks run in the page; see the comments in the file.
CHECKS = (Path(__file__).with_name("sweep_checks.js")).read_text()
LAYOUT_JS = f"() => ({CHECKS}).layout()"
CLIPPED_JS = f"() => ({CHECKS}).clipped()"
BIGGER_TEXT_JS = f"(factor) => ({CHECKS}).biggerText(factor)"


def _shape(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + (
        "?" + re.sub(r"\d+", "N", parts.query) if parts.query else ""
    )


def _wanted(url: str, origin: str) -> str | None:
    """The address to visit for a link, or None for a link the sweep leaves alone."""
    url, _fragment = urldefrag(url)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    if DOWNLOAD.search(parts.path) or any(parts.path.startswith(p) for p in NEVER):
        return None
    return url


def _check_page(page: Any, where: str) -> list[str]:
    """Every check on the page as loaded; the viewport and text size are put back after."""
    clock = time.monotonic()
    problems = [
        f"{where}: axe {v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(json.dumps(n["target"]) for n in v["nodes"][:5])
        for v in _axe_violations(page)
    ]
    clock = _took("axe", clock)
    try:
        page.set_viewport_size(NARROW)
        problems += [f"{where} at 320 px: {p}" for p in page.evaluate(LAYOUT_JS)]
        problems += [
            f"{where} at 320 px: axe {v['id']}: {v['help']} -> "
            + "; ".join(json.dumps(n["target"]) for n in v["nodes"][:5])
            for v in _axe_violations(page, NARROW_RULES)
        ]
        page.set_viewport_size(TABLET)
        clock = _took("320 px", clock)
        factor = page.evaluate(BIGGER_TEXT_JS, 2)
        assert abs(factor - 2) < 0.01, f"{where}: the text did not grow to 200% ({factor})"
        problems += [f"{where} at 200% text: {p}" for p in page.evaluate(LAYOUT_JS)]
        problems += [f"{where} at 200% text: {p}" for p in page.evaluate(CLIPPED_JS)]
    finally:
        page.evaluate("() => document.documentElement.style.removeProperty('font-size')")
    _took("200% text", clock)
    return problems


def _axe_violations(page: Any, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """axe-core's violations with the tags assert_no_axe_violations uses (or only ``rules``);
    axe is loaded into every page of the context up front, and asked for violations only,
    which is much quicker than a full report on pages with many elements."""
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": AXE_TAGS}
    return page.evaluate(  # type: ignore[no-any-return]
        """async (only) => (await axe.run(document, {
            runOnly: only, resultTypes: ['violations']})).violations""",
        only,
    )


TIMES: Counter[str] = Counter()


def _took(step: str, since: float) -> float:
    now = time.monotonic()
    TIMES[step] += now - since
    return now


def sweep(
    page: Any, base: str, home: str, per_shape: int = SAME_SHAPE, also: list[str] | None = None
) -> tuple[list[str], list[str]]:
    """Visit every page reachable from home (and ``also``) by GET links; return the pages
    visited and the problems found."""
    starts = [_wanted(f"{base}{path}", base) for path in [home, *(also or [])]]
    assert all(starts)
    queue: deque[str] = deque(s for s in starts if s)
    seen = set(queue)
    shapes: Counter[str] = Counter()
    visited: list[str] = []
    problems: list[str] = []
    while queue:
        url = queue.popleft()
        clock = time.monotonic()
        response = page.goto(url)
        _took("load", clock)
        assert response is not None, url
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        final = page.url
        if final != url and final in visited:
            continue  # a redirect to a page already swept
        where = urlsplit(final).path + (
            f"?{urlsplit(final).query}" if urlsplit(final).query else ""
        )
        assert response.status < 400, f"{where} answered {response.status} (linked from the sweep)"
        visited.append(final)
        assert len(visited) <= MAX_PAGES, f"more than {MAX_PAGES} pages: {visited[-10:]}"
        problems += _check_page(page, where)
        for link in page.evaluate(LINKS_JS):
            target = _wanted(link, base)
            if target is None or target in seen:
                continue
            seen.add(target)
            shapes[_shape(target)] += 1
            if shapes[_shape(target)] <= per_shape:
                queue.append(target)
    return visited, problems


def _report(kind: str, visited: list[str], problems: list[str], started: float) -> None:
    seconds = time.monotonic() - started
    steps = ", ".join(f"{step} {spent:.1f} s" for step, spent in TIMES.items())
    TIMES.clear()
    print(f"\nsweep: {kind}: {len(visited)} pages in {seconds:.1f} s ({steps})")
    for url in visited:
        print(f"  {urlsplit(url).path}{'?' + urlsplit(url).query if urlsplit(url).query else ''}")
    assert not problems, f"{kind}: {len(problems)} problems:\n  " + "\n  ".join(problems)


@pytest.fixture
def context(browser: Any) -> Any:
    ctx = browser.new_context(viewport=TABLET, locale="en-GB")
    ctx.add_init_script(script=AXE.read_text())  # outside the page's CSP, as run_axe does
    yield ctx
    ctx.close()


@pytest.mark.parametrize(
    ("kind", "email"),
    [
        ("advocate", "advocate@demo.facilitator.test"),
        ("staff", "staff@demo.facilitator.test"),
        ("manager", "manager@demo.facilitator.test"),
        ("admin", "admin@demo.facilitator.test"),
    ],
)
def test_sweep_signed_in(
    context: Any, live_app: Any, live_server: Any, kind: str, email: str
) -> None:
    started = time.monotonic()
    # The listed pages (PAGES, below) are swept here in English, from the same records.
    for prepare in _PREPARE.get(kind, []):
        prepare(live_app)
    listed = _paths(kind, _page_ids(live_app))
    page = context.new_page()
    sign_in_page(page, live_server.url, email)
    assert "/sign-in" not in page.url, f"{kind} could not sign in"
    visited, problems = sweep(page, live_server.url, "/home", also=listed)
    assert len(visited) >= 3
    _still_reached(live_app, kind, visited)
    if kind == "admin":  # the services pages (issue 25) are reached from the menu
        paths = {urlsplit(u).path for u in visited}
        assert "/admin/services" in paths and "/admin/services/1" in paths, sorted(paths)
        assert any(p.endswith("/services") and p.startswith("/admin/users/") for p in paths)
    _report(kind, visited, problems, started)


# The demo's people by service (issue 25): reviews 1 and 2 are Sam's and Ellis's at Oak House,
# 3 and 4 Gwen's and Priya's at Tŷ Celyn.
OAK_HOUSE_REVIEWS, TY_CELYN_REVIEWS = ("1", "2"), ("3", "4")


@pytest.mark.parametrize(
    ("kind", "email", "theirs", "not_theirs"),
    [
        ("staff of Oak House", "oak@demo.facilitator.test", OAK_HOUSE_REVIEWS, TY_CELYN_REVIEWS),
        ("staff of Ty Celyn", "tycelyn@demo.facilitator.test", TY_CELYN_REVIEWS,
         OAK_HOUSE_REVIEWS),
        ("manager of Ty Celyn", "tycelyn.manager@demo.facilitator.test", TY_CELYN_REVIEWS,
         OAK_HOUSE_REVIEWS),
    ],
    ids=["oak-house-staff", "ty-celyn-staff", "ty-celyn-manager"],
)  # fmt: skip
def test_sweep_staff_of_one_service(
    context: Any,
    live_server: Any,
    kind: str,
    email: str,
    theirs: tuple[str, ...],
    not_theirs: tuple[str, ...],
) -> None:
    """Staff and a manager of one demo service: every page they reach passes, the reviews of
    their own service's people are among them, and no link leads to another service's."""
    started = time.monotonic()
    page = context.new_page()
    sign_in_page(page, live_server.url, email)
    assert "/sign-in" not in page.url, f"{kind} could not sign in"
    visited, problems = sweep(page, live_server.url, "/home")
    paths = {urlsplit(u).path for u in visited}
    for review in theirs:
        assert f"/staff/reviews/{review}" in paths, (kind, review, sorted(paths))
    reached = {re.sub(r"^/staff/reviews/(\d+).*", r"\1", p) for p in paths}
    assert not reached & set(not_theirs), (kind, sorted(paths))
    _report(kind, visited, problems, started)


@pytest.mark.parametrize(
    ("name", "review_id"),
    [("Sam", 1), ("Ellis", 2), ("Gwen", 3)],
    ids=["sam-speech", "ellis-high-contrast-2-choices", "gwen-welsh-very-large-text"],
)
def test_sweep_person_mode(
    context: Any, live_app: Any, live_server: Any, name: str, review_id: int
) -> None:
    """A key worker starts the person's session; every screen of the locked tablet is swept,
    with that person's settings (speech, high contrast, choices a screen, text size, language)."""
    started = time.monotonic()
    page = context.new_page()
    sign_in_page(page, live_server.url, "keyworker@demo.facilitator.test")
    page.goto(f"{live_server.url}/staff/reviews/{review_id}")
    page.get_by_role("button", name=f"Start {name}'s session on this tablet").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/person/"
    # The screens after the first question are reached by answering (a POST); the sweep
    # starts from each of the review's questions and the end screens instead.
    with live_app.app_context():
        from facilitator.extensions import db
        from facilitator.models import Review

        review = db.session.get(Review, review_id)
        assert review is not None
        total = len(review.prompts)
    seeds = [f"/person/q/{n}" for n in range(1, total + 1)]
    seeds += ["/person/check", "/person/share/1", "/person/done"]
    visited, problems = sweep(page, live_server.url, "/person/", also=seeds)
    paths = [urlsplit(u).path for u in visited]
    assert all(p.startswith("/person/") for p in paths), paths  # still locked to the review
    assert "/person/help/" in paths and "/person/q/1" in paths
    if name == "Sam":
        _still_reached(live_app, "person mode (Sam)", visited)
    _report(f"person mode ({name})", visited, problems, started)


def test_sweep_family_link(context: Any, live_app: Any, live_server: Any) -> None:
    """Alex opens his link and enters the code; every page the link reaches is swept."""
    from .test_family_browser import _prepare

    started = time.monotonic()
    token, code = _prepare(live_app)
    page = context.new_page()
    # The link and code pages come first, by form; then every page the link reaches.
    page.goto(f"{live_server.url}/family/link/{token}")
    problems = _check_page(page, "/family/link/[token]")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    problems += _check_page(page, "/family/confirm")
    page.get_by_label("The 6-digit code").fill(code)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    visited, more = sweep(page, live_server.url, "/family/review")
    problems += more
    paths = [urlsplit(u).path for u in visited]
    assert "/family/help/" in paths
    _still_reached(live_app, "family link", visited)
    _report("family link", visited, problems, started)


def test_sweep_not_signed_in(context: Any, live_app: Any, live_server: Any) -> None:
    """Before signing in: the sign-in page and what it links to."""
    started = time.monotonic()
    page = context.new_page()
    visited, problems = sweep(page, live_server.url, "/sign-in")
    assert "/help/about" in [urlsplit(u).path for u in visited]
    _still_reached(live_app, "not signed in", visited)
    _report("not signed in", visited, problems, started)


def test_the_checks_find_what_they_look_for(context: Any) -> None:
    """axe-core (loaded for every page of the context) reports violations, and the layout and
    clipping checks report a page that scrolls sideways, a control cut off at
    the side or hidden by a clipping box, and text clipped by a fixed height."""
    page = context.new_page()
    page.set_content(
        """<!doctype html><html lang="en"><body>
        <div style="width: 500px">wide</div>
        <a href="/x" style="position: absolute; left: 400px">Off to the side</a>
        <div style="height: 20px; overflow: hidden"><p>line</p><button>Hidden button</button></div>
        <p style="height: 1.2em; overflow: hidden; width: 200px">Text that wraps onto many lines
        because the box is narrow, and so is clipped</p>
        <span class="visually-hidden"
          style="position: absolute; width: 1px; height: 1px; overflow: hidden">
        <a href="/y">fine</a></span>
        </body></html>"""
    )
    page.set_viewport_size(NARROW)
    layout = "\n".join(page.evaluate(LAYOUT_JS))
    assert "scrolls sideways" in layout
    assert 'cut off at the side: a "Off to the side"' in layout
    assert 'button "Hidden button"' in layout and "hidden by div" in layout
    assert '"fine"' not in layout
    assert page.evaluate(BIGGER_TEXT_JS, 2) == pytest.approx(2)
    clipped = "\n".join(page.evaluate(CLIPPED_JS))
    assert 'text clipped in p "Text that wraps' in clipped
    page.set_content(
        "<!doctype html><html lang='en'><head><title>Fine</title></head><body><main><h1>Fine</h1>"
        "<p>Fine.</p><a href='/'>Home</a></main></body></html>"
    )
    assert page.evaluate(LAYOUT_JS) == [] and page.evaluate(CLIPPED_JS) == []
    assert _axe_violations(page) == []
    page.set_content(
        "<!doctype html><html lang='en'><head><title>Not fine</title></head><body><main>"
        "<h1>Not fine</h1><img src='/x.png'><input></main></body></html>"
    )
    assert {"image-alt", "label"} <= {v["id"] for v in _axe_violations(page)}


# --- Every page of the last round, for each kind of user who sees it, in all four languages --
#
# The crawl above runs in English and follows links; this list names the pages issue 17 (and
# its neighbours) added, so that each is swept in Welsh, Polish and Urdu (right to left) too,
# and is swept even where no link leads to it from the demo's state. One line a page:
# (who sees it, its address); {names} are filled from _page_ids after the set-up for that kind of
# user (_PREPARE). Each page loads once per language and every check runs on that load. A page
# whose content differs by role has a line per role; a page every signed-in role sees alike is
# listed for the least privileged. FHIR exports are JSON, not pages, and are not listed.
LANGUAGES = ("en", "cy", "pl", "ur")
PAGES: list[tuple[str, str]] = [
    # Reviews that close and come round again (issue 17)
    ("staff", "/staff/reviews/due"),
    ("manager", "/staff/reviews/due"),
    ("staff", "/staff/reviews/{open_review}/close"),
    ("staff", "/staff/reviews/{closed_review}/close"),
    ("staff", "/staff/reviews/{closed_review}"),
    ("staff", "/staff/reviews/{closed_review}/record/"),
    ("manager", "/staff/reviews/{closed_review}/reopen"),
    ("staff", "/staff/reviews/{next_review}"),
    # Meetings: when, where, who (issue 17)
    ("staff", "/staff/reviews/{open_review}/meeting"),
    # Records people can keep up to date (issue 17)
    ("staff", "/staff/people/{sam}/details"),
    ("staff", "/staff/people/{sam}/supporters/{alex}"),
    ("staff", "/staff/people/{sam}/supporters/{mary}/authorities/new"),
    ("staff", "/staff/people/{sam}/supporters/{mary}/authorities/{authority}"),
    ("staff", "/staff/people/{sam}/supporters/new"),
    ("staff", "/account"),
    ("staff", "/account/notices"),
    # Account administration: roles, PINs, password reset, services (issues 17, 25)
    ("admin", "/admin/users"),
    ("admin", "/admin/users/{staff_user}"),
    ("admin", "/admin/users/{staff_user}/services"),
    ("admin", "/admin/services"),
    ("admin", "/admin/services/{service}"),
    ("admin", "/admin/messages"),
    ("admin", "/admin/messages/{message}"),
    ("admin", "/admin/pages/"),
    ("admin", "/admin/pages/contact"),
    ("public", "/sign-in/forgotten"),
    ("public", "/sign-in/new-password/{reset_token}"),  # the emailed link: its page follows
    # Pages every provider must publish (issue 17)
    ("public", "/about/accessibility"),
    ("public", "/about/privacy"),
    ("public", "/about/privacy/easy-read"),
    ("public", "/signed-out?after=idle"),  # after a session ran out of time
    ("public", "/family/finished"),  # a family member finished on this device
    # Complaints: the person on the tablet, family on their link, the register (issue 17)
    ("person", "/person/help/"),
    ("person", "/person/help/complain"),
    ("person", "/person/help/complain/sent"),
    ("person", "/person/help/privacy"),
    ("family", "/family/complain"),
    ("family", "/family/complain/sent"),
    ("manager", "/governance/complaints"),
    ("manager", "/governance/complaints/{complaint}"),
    # Advocates see what came of it (issue 17)
    ("advocate", "/advocate/reviews"),
    ("advocate", "/advocate/reviews/{ellis_review}/outcomes"),
    # ... and file their formal report; staff see reports waiting and respond (issue 17)
    ("advocate", "/advocate/reviews/{ellis_review}/report"),
    ("staff", "/staff/advocate-reports"),
    ("staff", "/staff/reviews/{ellis_review}/advocate-reports"),
    # Cover and services (issue 25)
    ("staff", "/staff/cover"),
    ("staff", "/staff/people/{sam}/service"),
    ("manager", "/governance/cover"),
    # People import (issue 18)
    ("manager", "/staff/people/import/"),
    # Joint problem-solving meetings (issue 17); the easy-read agenda is in the person's
    # language whatever the reader's, so it is checked in tests/browser/test_joint_meetings_*.
    ("staff", "/staff/reviews/{ellis_review}/joint-meetings"),
    ("staff", "/staff/joint-meetings/{meeting}"),
    ("advocate", "/advocate/joint-meetings/"),
    ("advocate", "/advocate/joint-meetings/{meeting}"),
    ("person", "/person/meetings/{person_meeting}/"),
    ("person", "/person/meetings/{person_meeting}/q/1"),
    ("person", "/person/meetings/{person_meeting}/thanks"),
]
SIGN_IN = {
    "staff": "staff@demo.facilitator.test",
    "manager": "manager@demo.facilitator.test",
    "admin": "admin@demo.facilitator.test",
    "advocate": "advocate@demo.facilitator.test",
}
# Kinds of user whose crawl (test_sweep_signed_in) also starts from their listed pages, so
# those load in English there and in the other three languages here.
CRAWLED_IN_ENGLISH = frozenset({"staff", "manager", "admin", "advocate"})
PERSON_REVIEW = 3  # Gwen's, at Tŷ Celyn; her language is set to each in turn


def _close_sams_review(app: Any) -> None:
    """Sam's review closed (so its closed pages and the next review exist)."""
    from ..web.test_review_lifecycle import _close, _make_ready

    _make_ready(app, 1)
    _close(app, 1)


def _ellis_outcomes(app: Any) -> None:
    """What came of Ellis's review, for his advocate's outcomes page."""
    from ..web.test_advocate_outcomes import _ellis_outcomes as outcomes

    with app.app_context():
        from facilitator.extensions import db
        from facilitator.models import User

        users = {u.email: u.id for u in db.session.scalars(select(User))}
    outcomes(app, {"reviews": {"Ellis": 2}, "users": users})


def _a_message(app: Any) -> None:
    with app.app_context():
        from facilitator.extensions import db
        from facilitator.services.messages import outbox

        outbox.enqueue(
            db.session, key="sweep:waiting", kind="family-link", channel="email",
            to="alex@example.org", language="cy", subject="Your link to Sam's review",
            text="Open https://care.example/f/{secret}", secret="s3cret-link",
        )  # fmt: skip
        db.session.commit()


def _a_password_reset(app: Any) -> None:
    """A password reset asked for, so its emailed link (kept in the outbox) can be opened."""
    with app.app_context():
        from facilitator.extensions import db
        from facilitator.services.accounts import password_reset

        assert password_reset.request_reset(db.session, SIGN_IN["staff"], "127.0.0.1")
        db.session.commit()


def _a_joint_meeting(app: Any, review_id: int = 2) -> None:
    """A joint meeting about Ellis's review (his advocate Jo is invited), or another's."""
    from datetime import date
    from datetime import time as clock_time

    from facilitator.extensions import db
    from facilitator.models import Review, User
    from facilitator.services.governance import joint_meetings

    with app.app_context():
        review = db.session.get(Review, review_id)
        staff = db.session.scalars(select(User).where(User.email == SIGN_IN["staff"])).one()
        assert review is not None
        joint_meetings.arrange(
            db.session, review, staff, joint_meetings.Arrangement(
                "Where will you go on Saturdays?", date.today(), clock_time(14), True, None, [],
            ),
        )  # fmt: skip
        db.session.commit()


def _gwens_joint_meeting(app: Any) -> None:
    _a_joint_meeting(app, PERSON_REVIEW)


_PREPARE: dict[str, list[Any]] = {
    "public": [_a_password_reset],
    "staff": [_close_sams_review, _a_joint_meeting],
    "manager": [_close_sams_review],
    "admin": [_a_message],
    "advocate": [_ellis_outcomes, _a_joint_meeting],
    "person": [_gwens_joint_meeting],
}


def _page_ids(app: Any) -> dict[str, Any]:
    """The records the listed addresses name, found in the demo data as prepared."""
    from facilitator.extensions import db
    from facilitator.models import (
        Complaint,
        JointMeeting,
        LegalAuthority,
        OutboxMessage,
        ReviewClosure,
        Service,
        Supporter,
        User,
    )

    with app.app_context():
        s = db.session
        supporter = {x.name: x.id for x in s.scalars(select(Supporter))}
        closure = s.scalars(select(ReviewClosure).order_by(ReviewClosure.id)).first()
        return {
            "sam": 1,
            "alex": supporter["Alex Carter"],
            "mary": supporter["Mary Carter"],
            "authority": s.scalar(select(LegalAuthority.id).order_by(LegalAuthority.id)),
            "open_review": 2,
            "ellis_review": 2,
            "closed_review": closure.review_id if closure else None,
            "next_review": closure.next_review_id if closure else None,
            "staff_user": s.scalar(select(User.id).where(User.email == SIGN_IN["staff"])),
            "service": s.scalar(select(Service.id).order_by(Service.id)),
            "message": s.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id)),
            "meeting": s.scalar(
                select(JointMeeting.id).where(JointMeeting.review_id == 2).order_by(JointMeeting.id)
            ),
            "person_meeting": s.scalar(
                select(JointMeeting.id).where(JointMeeting.review_id == PERSON_REVIEW)
            ),
            "complaint": s.scalar(select(Complaint.id).order_by(Complaint.id)),
            "reset_token": s.scalar(
                select(OutboxMessage.secret).where(OutboxMessage.key.contains("password-reset"))
            ),
        }


def _switch_language(page: Any, base: str, path: str, lang: str) -> None:
    """The language switcher on a page, as a person would use it."""
    page.goto(f"{base}{path}")
    page.locator(f'.language-switcher button[value="{lang}"]').click()
    page.wait_for_load_state()


def _sweep_paths(page: Any, base: str, lang: str, paths: list[str]) -> list[str]:
    """Load each page once in ``lang`` and run every check on that load."""
    problems: list[str] = []
    for path in paths:
        clock = time.monotonic()
        response = page.goto(f"{base}{path}")
        _took("load", clock)
        assert response is not None, path
        assert response.status < 400, f"{path} [{lang}] answered {response.status}"
        assert "text/html" in response.headers.get("content-type", ""), path
        where = f"{urlsplit(page.url).path} [{lang}]"
        shown = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
        assert shown == [lang, "rtl" if lang == "ur" else "ltr"], (where, shown)
        problems += _check_page(page, where)
    return problems


def _paths(who: str, ids: dict[str, Any]) -> list[str]:
    return [path.format(**ids) for kind, path in PAGES if kind == who]


@pytest.mark.parametrize("who", list(dict.fromkeys(kind for kind, _ in PAGES)))
def test_sweep_listed_pages_in_every_language(
    context: Any, browser: Any, live_app: Any, live_server: Any, who: str
) -> None:
    """Every listed page, as each kind of user who sees it, in English, Welsh, Polish and Urdu:
    axe, 320 px and 200% text on one load a page, with the page's lang and dir checked."""
    started = time.monotonic()
    for prepare in _PREPARE.get(who, []):
        prepare(live_app)
    ids = _page_ids(live_app)
    paths = _paths(who, ids)
    base = live_server.url
    problems: list[str] = []
    languages = LANGUAGES
    if who == "person":
        problems += _person_pages(browser, live_app, base, paths)
    else:
        page = context.new_page()
        if who == "family":
            from .test_family_browser import _prepare

            token, code = _prepare(live_app)
            page.goto(f"{base}/family/link/{token}")
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state()
            page.get_by_label("The 6-digit code").fill(code)
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state()
        elif who in SIGN_IN:
            sign_in_page(page, base, SIGN_IN[who])
            assert "/sign-in" not in page.url, f"{who} could not sign in"
        # The signed-in crawl above sweeps these pages in English already.
        languages = LANGUAGES[1:] if who in CRAWLED_IN_ENGLISH else LANGUAGES
        for lang in languages:
            _switch_language(page, base, paths[0], lang)
            problems += _sweep_paths(page, base, lang, paths)
    _report(f"{who}, listed pages ({', '.join(languages)})", paths, problems, started)


def _person_pages(browser: Any, app: Any, base: str, paths: list[str]) -> list[str]:
    """Person mode speaks the person's language, read on every request: a key worker starts
    Gwen's session once, and her language is set to each in turn. Service workers are blocked
    (the tablet's offline copy fetches every screen, which is not what is checked here)."""
    from facilitator.extensions import db
    from facilitator.models import Review

    problems: list[str] = []
    ctx = browser.new_context(viewport=TABLET, locale="en-GB", service_workers="block")
    ctx.add_init_script(script=AXE.read_text())
    try:
        page = ctx.new_page()
        sign_in_page(page, base, "keyworker@demo.facilitator.test")
        with app.app_context():
            review = db.session.get(Review, PERSON_REVIEW)
            assert review is not None
            name = review.person.preferred_name
        page.goto(f"{base}/staff/reviews/{PERSON_REVIEW}")
        page.get_by_role("button", name=f"Start {name}'s session on this tablet").click()
        page.wait_for_load_state()
        assert urlsplit(page.url).path == "/person/"
        for lang in LANGUAGES:
            with app.app_context():
                review = db.session.get(Review, PERSON_REVIEW)
                assert review is not None
                review.person.language = lang
                db.session.commit()
            problems += _sweep_paths(page, base, lang, paths)
    finally:
        ctx.close()
    return problems


# --- The URL map against the sweep ------------------------------------------------------------
#
# Every GET route of the app is swept: listed in PAGES, reached by a crawl above (CRAWLED, which
# each crawl checks it still reaches), or named in NOT_LISTED with the reason. A new page fails
# test_every_page_in_the_url_map_is_swept until it has a line in PAGES.
FILE = "not a page: a file, a download or a picture"
JSON = "not a page: JSON for the tablet's scripts"
REDIRECT = "not a page: it only redirects"
NOT_LISTED: dict[str, str] = {
    "static": FILE, "main.favicon": FILE, "photo_files.file": FILE, "person.audio": FILE,
    "person.voice": FILE, "person.voice_hear": FILE, "person.my_recording": FILE,
    "family.person_recording": FILE, "staff.person_recording": FILE,
    "custom_prompts.voice": FILE, "person_sync.photo": FILE, "person_sync.service_worker": FILE,
    "governance.audit_csv": FILE, "governance.dashboard_csv": FILE,
    "governance.evidence_pack_csv": FILE, "governance.evidence_pack_json": FILE,
    "governance.evidence_pack_pdf": FILE, "staff.person_evidence_pack": FILE,
    "privacy.subject_access_zip": FILE, "review_record.export": FILE,
    "review_record.fhir_answers": "not a page: FHIR QuestionnaireResponse (JSON)",
    "review_record.fhir_bundle": "not a page: FHIR Bundle (JSON)",
    "review_record.pdf_file": FILE, "you_said.pdf_file": FILE, "lifecycle.calendar": FILE,
    "joint_meetings.agenda_pdf": FILE, "joint_meetings.calendar": FILE,
    "advocate_layer.report_file": FILE, "advocate_reports.file": FILE,
    "main.health": "not a page: health check", "main.ready": "not a page: readiness check",
    "main.metrics": "not a page: Prometheus metrics",
    "person_sync.offline_urls": JSON, "person_sync.token": JSON,
    "auth.still_here": JSON, "family.still_here": JSON,
    "main.index": REDIRECT, "main.home": REDIRECT,
    "auth.new_password": "the listed emailed link (auth.new_password_link) lands on it",
    "auth.set_up": "test_two_factor_browser.py (and every first sign-in of an administrator)",
    "auth.second_step": "test_two_factor_browser.py",
    "family.open_link": "test_sweep_family_link checks it (reached by a form)",
    "family.confirm": "test_sweep_family_link checks it (reached by a form)",
    "family.sent": "test_family_browser.py",
    "person_help.complaint_sent": "listed for the person",
    "family.complaint_sent": "listed for family",
    "custom_prompts.edit": "test_custom_prompts_browser.py",
    "governance.capacity_case": "test_governance_browser.py",
    "governance.capacity_new": "test_governance_browser.py",
    "governance.differing_case": "test_governance_browser.py",
    "safeguarding.flag": "test_governance_browser.py",
    "governance.record_audit_page": "test_record_audits_browser.py",
    "governance.record_audit_check": "test_record_audits_browser.py",
    "person.say": "test_say_it_browser.py",
    "person_outputs.index": "test_actions_browser.py, test_year_browser.py",
    "person_outputs.earlier_intro": "test_actions_browser.py, test_year_browser.py",
    "person_outputs.earlier": "test_actions_browser.py, test_year_browser.py",
    "person_outputs.earlier_done": "test_year_browser.py",
    "person_outputs.finish": "test_actions_browser.py, test_year_browser.py",
    "joint_meetings.agenda": "test_joint_meetings_browser.py (in the person's language)",
    "advocate_meetings.agenda": "test_joint_meetings_browser.py (in the person's language)",
    "joint_meetings.from_view": "test_joint_meetings_browser.py (in English)",
}  # fmt: skip


CRAWLED: dict[str, frozenset[str]] = {
    "staff": frozenset(
        {
            "actions.builder",
            "actions.edit",
            "actions_overview.overdue",
            "advocate_reports.review",
            "advocate_reports.waiting",
            "auth.account",
            "auth.notice_choices",
            "casework.agreement",
            "casework.told",
            "cover.cover",
            "cover.service",
            "custom_prompts.index",
            "custom_prompts.new",
            "help.guide",
            "lifecycle.close",
            "lifecycle.due",
            "lifecycle.meeting",
            "links.index",
            "links.other_basis",
            "main.account_language",
            "photos.index",
            "privacy.ended",
            "published.accessibility",
            "published.privacy",
            "published.privacy_easy_read",
            "review_record.page",
            "review_record.print_page",
            "staff.communication",
            "staff.home",
            "staff.person",
            "staff.plan_review",
            "staff.review",
            "staff.review_prompts",
            "staff_people.advocacy",
            "staff_people.new_person",
            "staff_people.new_supporter",
            "staff_records.authority",
            "staff_records.details",
            "staff_records.new_authority",
            "staff_records.supporter",
            "you_said.page",
            "you_said.print_page",
        }
    ),
    "manager": frozenset(
        {
            "actions.builder",
            "actions_overview.overdue",
            "advocate_reports.review",
            "advocate_reports.waiting",
            "auth.account",
            "auth.notice_choices",
            "casework.agreement",
            "casework.ask_person",
            "casework.told",
            "cover.cover",
            "cover.service",
            "custom_prompts.index",
            "custom_prompts.new",
            "governance.agreements_due",
            "governance.audit_log",
            "governance.capacity_list",
            "governance.complaint_case",
            "governance.complaint_new",
            "governance.complaint_register",
            "governance.cover_grants",
            "governance.dashboard",
            "governance.differing_new",
            "governance.differing_register",
            "governance.evidence_pack_page",
            "governance.outcomes_page",
            "governance.record_audits",
            "help.guide",
            "lifecycle.close",
            "lifecycle.due",
            "lifecycle.meeting",
            "lifecycle.reopen",
            "links.index",
            "links.other_basis",
            "main.account_language",
            "people_import.start",
            "photos.index",
            "privacy.ended",
            "privacy.subject_access",
            "published.accessibility",
            "published.privacy",
            "published.privacy_easy_read",
            "review_record.page",
            "review_record.print_page",
            "safeguarding.flags",
            "staff.communication",
            "staff.home",
            "staff.person",
            "staff.plan_review",
            "staff.review",
            "staff.review_prompts",
            "staff_people.advocacy",
            "staff_people.new_person",
            "staff_people.new_supporter",
            "staff_records.details",
            "staff_records.new_authority",
            "staff_records.supporter",
            "you_said.page",
            "you_said.print_page",
        }
    ),
    "admin": frozenset(
        {
            "actions.builder",
            "actions_overview.overdue",
            "admin.account_services",
            "admin.message",
            "admin.messages",
            "admin.service",
            "admin.services",
            "admin.user",
            "admin.users",
            "admin_pages.edit",
            "admin_pages.index",
            "advocate_reports.review",
            "advocate_reports.waiting",
            "auth.account",
            "auth.notice_choices",
            "casework.agreement",
            "casework.ask_person",
            "casework.told",
            "cover.cover",
            "cover.service",
            "custom_prompts.index",
            "custom_prompts.new",
            "governance.agreements_due",
            "governance.audit_log",
            "governance.capacity_list",
            "governance.complaint_case",
            "governance.complaint_new",
            "governance.complaint_register",
            "governance.cover_grants",
            "governance.dashboard",
            "governance.differing_new",
            "governance.differing_register",
            "governance.evidence_pack_page",
            "governance.outcomes_page",
            "governance.record_audits",
            "help.guide",
            "joint_meetings.from_review",
            "lifecycle.close",
            "lifecycle.meeting",
            "links.index",
            "links.other_basis",
            "main.account_language",
            "people_import.start",
            "photos.index",
            "privacy.ended",
            "privacy.subject_access",
            "published.accessibility",
            "published.privacy",
            "published.privacy_easy_read",
            "review_record.page",
            "review_record.print_page",
            "safeguarding.flags",
            "staff.communication",
            "staff.home",
            "staff.person",
            "staff.plan_review",
            "staff.review",
            "staff.review_prompts",
            "staff_people.advocacy",
            "staff_people.new_person",
            "staff_people.new_supporter",
            "staff_records.details",
            "staff_records.new_authority",
            "staff_records.supporter",
            "you_said.page",
            "you_said.print_page",
        }
    ),
    "advocate": frozenset(
        {
            "advocate.home",
            "advocate_layer.index",
            "advocate_layer.outcomes",
            "advocate_layer.report",
            "advocate_layer.review",
            "auth.account",
            "auth.notice_choices",
            "help.guide",
            "main.account_language",
            "published.accessibility",
            "published.privacy",
            "published.privacy_easy_read",
        }
    ),
    "not signed in": frozenset(
        {
            "auth.forgotten",
            "auth.sign_in",
            "help.public",
            "published.accessibility",
            "published.privacy",
            "published.privacy_easy_read",
        }
    ),
    "person mode (Sam)": frozenset(
        {
            "person.check",
            "person.done",
            "person.prompt",
            "person.settings",
            "person.share",
            "person.take_break",
            "person.voice_consent",
            "person.welcome",
            "person.words",
            "person_help.complain",
            "person_help.how",
            "person_help.privacy",
        }
    ),
    "family link": frozenset(
        {
            "auth.forgotten",
            "auth.sign_in",
            "family.complain",
            "family.review",
            "family_help.about",
            "published.accessibility",
            "published.privacy",
            "published.privacy_easy_read",
        }
    ),
}


class _AnyId(dict):  # type: ignore[type-arg]
    """Fills every {name} of a listed address with 1, to find the route it names."""

    def __missing__(self, key: str) -> str:
        return "1"


def _endpoint(app: Any, url: str) -> str:
    adapter = app.url_map.bind("localhost")
    return str(adapter.match(urlsplit(url).path, method="GET")[0])


def _still_reached(app: Any, kind: str, visited: list[str]) -> None:
    """A crawl still reaches every page CRAWLED says it does (else list the page in PAGES)."""
    reached = {_endpoint(app, url) for url in visited}
    lost = sorted(CRAWLED[kind] - reached)
    assert not lost, f"the {kind} crawl no longer reaches {lost}: give each a line in PAGES"


def test_every_page_in_the_url_map_is_swept(app: Any) -> None:
    """Every GET route is listed, crawled, or named in NOT_LISTED with the reason."""
    listed = {_endpoint(app, path.format_map(_AnyId())) for _, path in PAGES}
    crawled = set().union(*CRAWLED.values())
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())}
    missing = sorted(routes - listed - crawled - set(NOT_LISTED))
    assert not missing, (
        "pages the sweep does not reach: add a line (who sees it, its address) to PAGES in "
        f"tests/browser/test_sweep.py for each, or say in NOT_LISTED why not: {missing}"
    )
