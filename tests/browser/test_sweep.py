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

from .conftest import AXE, AXE_TAGS, TABLET, sign_in_page

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}
# axe-core's rules whose outcome changes with the layout, run again at 320 px: links that wrap
# onto the next line can end up too close together to tap.
NARROW_RULES = ["target-size", "scrollable-region-focusable"]
MAX_PAGES = 120  # per kind of user; the sweep fails rather than stop quietly past it
SAME_SHAPE = 2  # pages whose address differs only in its numbers share a template (seeds always go)
DOWNLOAD = re.compile(
    r"\.(pdf|csv|json|mp3|ogg|wav|webm|m4a|zip|js|webmanifest|svg|png|jpe?g|webp)$"
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
def test_sweep_signed_in(context: Any, live_server: Any, kind: str, email: str) -> None:
    started = time.monotonic()
    page = context.new_page()
    sign_in_page(page, live_server.url, email)
    assert "/sign-in" not in page.url, f"{kind} could not sign in"
    visited, problems = sweep(page, live_server.url, "/home")
    assert len(visited) >= 3
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
    _report("family link", visited, problems, started)


def test_sweep_not_signed_in(context: Any, live_server: Any) -> None:
    """Before signing in: the sign-in page and what it links to."""
    started = time.monotonic()
    page = context.new_page()
    visited, problems = sweep(page, live_server.url, "/sign-in")
    assert "/help/about" in [urlsplit(u).path for u in visited]
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
