"""The deployment recipe, run: deploy/'s nginx site (HTTPS, HTTP/2) in front of TWO gunicorn
instances (one PostgreSQL database, one Redis), and a whole tablet session in Chromium through it.

nginx is Debian's (scripts/setup.sh test installs it), started as a non-root process on loopback
high ports with a throwaway certificate; its site is generated from deploy/nginx (only ports,
paths and the certificate are replaced: tests/nginx_stack.py). Which instance answered each
request is read from nginx's access log (``$upstream_addr`` in deploy/'s log format).

Checked: HTTP/2; static files served by nginx itself with the year-long cache; every security
header sent once (pages, photos and static files); ``X-Forwarded-Proto`` believed (HSTS, a Secure
cookie) and nginx's request id carried into the app's JSON log; a body over the app's limit
refused by nginx before it reaches an instance; the service worker registers; a photo uploaded
through one instance is shown by the other; answers kept offline drain through both; a rate limit
counts across both (Redis); one instance stopped mid-session and the session carries on.
"""

from __future__ import annotations

import http.client
import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from facilitator import create_app
from facilitator.extensions import db
from facilitator.models import Person, Response, Review
from facilitator.services import demo, reviews

from .. import nginx_stack
from ..conftest import need, own_postgres_database
from .conftest import CHROMIUM, CHROMIUM_ARGS, TABLET, sign_in_page

pytestmark = pytest.mark.browser

SECRET = "nginx-two-instances-" + "k" * 40
GPS_JPEG = Path(__file__).resolve().parents[1] / "fixtures" / "bad_files" / "gps.jpg"
ALT = "Sam's front door, painted blue"
KEYWORKER = "keyworker@demo.facilitator.test"
PROMPTS = ["like-where-you-live", "like-your-bedroom", "want-to-move", "home-working"]
SECURITY_HEADERS = (
    "content-security-policy",
    "x-content-type-options",
    "strict-transport-security",
    "x-frame-options",
    "referrer-policy",
    "permissions-policy",
    "cache-control",
    "vary",
    "x-request-id",
)
APP_LIMIT = 8 * 1024 * 1024  # MAX_CONTENT_LENGTH's default (facilitator/config.py)


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[tuple[str, int, int]]:
    """A migrated PostgreSQL database with the demo data and Sam's review of four prompts."""
    with own_postgres_database("nginx") as url:
        app = create_app(
            {"DATABASE_URL": url, "SECRET_KEY": SECRET, "INSTANCE_PATH": str(tmp_path / "setup")}
        )
        with app.app_context():
            demo.load(db.session)
            db.session.commit()
            review = db.session.get(Review, 1)
            assert review is not None
            reviews.set_prompts(db.session, review, PROMPTS, actor=None)
            person = db.session.get(Person, review.person_id)
            assert person is not None
            person.settings = {**person.settings, "auto_advance": False}
            db.session.commit()
            review_id, person_id = review.id, person.id
            db.scoped.remove()
            assert db.engine is not None
            db.engine.dispose()
        yield url, review_id, person_id


def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    need(bool(url), "The nginx test needs Redis at TEST_REDIS_URL (shared rate limits)")
    assert url
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:  # noqa: BLE001
        need(False, f"Redis at {url} is not usable: {error}")
    return url


def raw(port: int, method: str, path: str, **kw: Any) -> http.client.HTTPResponse:
    """One HTTPS request to nginx (HTTP/1.1), with every header as sent (duplicates kept)."""
    conn = http.client.HTTPSConnection(
        "127.0.0.1", port, context=nginx_stack.insecure(), timeout=60
    )
    conn.request(method, path, **kw)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def once_each(response: http.client.HTTPResponse) -> Counter[str]:
    names = Counter(name.lower() for name, _ in response.getheaders())
    return Counter({name: names[name] for name in SECURITY_HEADERS if names[name]})


def served_by(lines: list[dict[str, str]], pattern: str, method: str = "GET") -> list[str]:
    """The upstream (instance port) of each logged request whose path matches ``pattern``."""
    return [
        line["upstream"].split(", ")[-1].rsplit(":", 1)[-1]
        for line in lines
        if line["method"] == method and re.search(pattern, line["uri"])
    ]


def test_a_tablet_session_through_nginx_on_two_instances(
    shared_database: tuple[str, int, int], tmp_path: Path
) -> None:
    need(nginx_stack.nginx_available(), "nginx is not installed (scripts/setup.sh test)")
    need(CHROMIUM.exists(), "Chromium is not installed (apt-get install chromium)")
    url, review_id, person_id = shared_database
    started = time.monotonic()
    settings = {
        "SECRET_KEY": SECRET,
        "REDIS_URL": redis_url(),
        "RATELIMIT_KEY_PREFIX": "nginx-test-" + uuid.uuid4().hex,
        "RATELIMIT_LINKS": "3 per minute",
    }
    with ExitStack() as stack:
        folder = stack.enter_context(nginx_stack.kept_folder("facilitator-instances-"))
        a = stack.enter_context(nginx_stack.instance(url, folder, **settings))
        b = stack.enter_context(nginx_stack.instance(url, folder, **settings))
        proxy = stack.enter_context(nginx_stack.nginx([a.port, b.port]))
        ports = {str(a.port): "A", str(b.port): "B"}
        base = proxy.url

        # --- The site as deploy/ ships it ---------------------------------------------------
        # Plain HTTP is sent to HTTPS.
        plain = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=30)
        plain.request("GET", "/sign-in")
        redirect = plain.getresponse()
        assert redirect.status == 301
        assert redirect.getheader("Location") == f"https://127.0.0.1:{proxy.https_port}/sign-in"
        plain.close()
        # A page: every security header once (nginx adds none), HSTS and a Secure cookie because
        # the app believed X-Forwarded-Proto, and nginx's request id in the app's JSON log.
        page_response = raw(proxy.https_port, "GET", "/sign-in")
        assert page_response.status == 200
        assert once_each(page_response) == Counter({name: 1 for name in SECURITY_HEADERS})
        assert "max-age=31536000" in (page_response.getheader("Strict-Transport-Security") or "")
        assert "Secure" in (page_response.getheader("Set-Cookie") or "")
        request_id = page_response.getheader("X-Request-ID")
        assert request_id and re.fullmatch(r"[0-9a-f]{32}", request_id)
        logged = [line for line in proxy.log() if line["request_id"] == request_id]
        assert len(logged) == 1 and logged[0]["upstream"] != "-"
        time.sleep(0.5)
        assert request_id in a.log() + b.log()
        # A static file: nginx's own (no upstream in its log), cached for a year, headers once.
        css = raw(proxy.https_port, "GET", "/static/css/app.css?v=0123456789ab")
        assert css.status == 200
        assert css.getheader("Cache-Control") == "public, max-age=31536000, immutable"
        assert css.getheader("X-Request-ID") is None  # the app never saw it
        assert all(count == 1 for count in once_each(css).values())
        assert {"content-security-policy", "x-content-type-options"} <= set(once_each(css))
        unversioned = raw(proxy.https_port, "GET", "/static/css/app.css")
        assert unversioned.getheader("Cache-Control") == "no-cache"
        assert [line["upstream"] for line in proxy.log() if line["uri"].startswith("/static/")] == [
            "-",
            "-",
        ]
        # The web app manifest keeps its address and comes from the app.
        manifest = raw(proxy.https_port, "GET", "/static/manifest.webmanifest")
        assert manifest.getheader("X-Request-ID")
        # A body over the app's limit is refused by nginx before any instance reads it; one
        # just under it reaches an instance (which refuses it for its own reasons).
        too_big = raw(
            proxy.https_port,
            "POST",
            "/sign-in",
            body=b"x" * (APP_LIMIT + 1),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert too_big.status == 413
        time.sleep(0.5)  # nginx logs it once the rest of the body is discarded
        assert [line["upstream"] for line in proxy.log() if line["status"] == "413"] == ["-"]
        under = raw(
            proxy.https_port,
            "POST",
            "/sign-in",
            body=b"x" * (APP_LIMIT - 1024),
            headers={"Content-Type": "application/octet-stream"},
        )
        assert under.status != 413 and under.getheader("X-Request-ID")

        # --- The tablet ----------------------------------------------------------------------
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"]
            )
            context = browser.new_context(
                viewport=TABLET, has_touch=True, locale="en-GB", ignore_https_errors=True
            )
            page = context.new_page()
            failures: list[tuple[str, int]] = []
            page.on(
                "response",
                lambda r: failures.append((r.url, r.status)) if r.status >= 500 else None,
            )
            sign_in_page(page, base, KEYWORKER)
            assert (
                page.evaluate("() => performance.getEntriesByType('navigation')[0].nextHopProtocol")
                == "h2"
            )

            # A photo of Sam's home, uploaded through one instance ...
            with_photo = _upload_photo(page, base, person_id)
            uploaded_by = served_by(proxy.log(), r"^/staff/people/\d+/photos", "POST")
            assert len(uploaded_by) == 1
            # ... is shown through the other: nginx alternates, so of two views one is the other's.
            for _ in range(2):
                shown = page.evaluate(
                    """async (src) => { const r = await fetch(src);
                    return [r.status, (await r.arrayBuffer()).byteLength]; }""",
                    with_photo,
                )
                assert shown[0] == 200 and shown[1] > 1000
            photo_path = with_photo.removeprefix(base).split("?")[0]
            viewers = served_by(proxy.log(), re.escape(photo_path))
            assert set(viewers) - set(uploaded_by), (uploaded_by, viewers)
            # Both instances give the photo the same ETag (its SHA-256), so a repeat view with
            # If-None-Match is a 304 whichever instance answers it.
            cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
            first = raw(proxy.https_port, "GET", photo_path, headers={"Cookie": cookie})
            etag = first.getheader("ETag")
            assert first.status == 200 and etag and "no-store" in first.getheader("Cache-Control")
            repeats = []
            for _ in range(10):  # until both instances have answered one (nginx alternates)
                repeats.append(
                    raw(
                        proxy.https_port,
                        "GET",
                        photo_path,
                        headers={"Cookie": cookie, "If-None-Match": etag},
                    )
                )
                answered = served_by(proxy.log(), re.escape(photo_path))[-len(repeats) :]
                if len(repeats) >= 2 and set(answered) == set(ports):
                    break
            assert {r.status for r in repeats} == {304}
            assert {r.getheader("ETag") for r in repeats} == {etag}
            assert set(answered) == set(ports), answered
            print(
                f"\nphoto view through nginx: {_wire(first)} bytes, a repeat with If-None-Match "
                f"{_wire(repeats[0])} bytes (304)"
            )

            # The session starts: the service worker registers and keeps the review.
            page.goto(f"{base}/staff/reviews/{review_id}")
            page.get_by_role("button", name="Start Sam's session on this tablet").click()
            page.wait_for_selector(
                "html[data-offline-ready='yes']", state="attached", timeout=90_000
            )
            assert (
                page.evaluate(
                    "async () => (await navigator.serviceWorker.getRegistrations()).length"
                )
                == 1
            )
            page.get_by_role("link", name="Start").tap()
            _question(page, 1)
            big = page.locator(".big-picture img")
            assert "/person/photos/" in (big.get_attribute("src") or "")
            page.wait_for_function(  # the photo, from whichever instance, drawn
                "() => { const i = document.querySelector('.big-picture img');"
                " return i && i.complete && i.naturalWidth > 0; }",
                timeout=20_000,
            )
            _answer(page, "Very good")
            expect(page.locator("#main .answered-note")).to_contain_text("Saved.")

            # The wifi drops; two answers are kept on the tablet, then drain through nginx.
            _next(page)
            _question(page, 2)
            context.set_offline(True)
            _answer(page, "Good")
            expect(page.locator("#main .offline-saved")).to_contain_text("Saved on this tablet.")
            _next(page)
            _question(page, 3)
            _answer(page, "No")
            expect(page.locator("[data-sync-message]")).to_contain_text("2 answers are waiting")
            context.set_offline(False)
            page.evaluate("() => window.dispatchEvent(new Event('online'))")
            expect(page.locator("[data-sync-message]")).to_have_text(
                "All answers are sent.", timeout=30_000
            )
            assert page.evaluate("async () => (await window.Facilitator.queue.all()).length") == 0
            assert len(_stored(url, review_id)) == 3

            # A rate limit counts requests to both instances (Redis): the link limit is 3 a
            # minute; of four openings neither instance saw more than three, yet the fourth is
            # refused.
            visitor = playwright.request.new_context(ignore_https_errors=True)
            statuses = [
                visitor.get(f"{base}/family/link/not-a-real-link-{n}", max_redirects=0).status
                for n in range(4)
            ]
            visitor.dispose()
            assert statuses[:3] == [404, 404, 404] and statuses[3] == 429, statuses
            openings = served_by(proxy.log(), r"^/family/link/")
            assert len(openings) == 4 and set(openings) == set(ports), openings

            # One instance stops mid-session; the session carries on through the other.
            answered_before = len(_stored(url, review_id))
            a.stop()
            stopped_at = len(proxy.log())
            _next(page)
            _question(page, 4)
            _answer(page, "This is working")
            expect(page.locator("#main .answered-note")).to_contain_text("Saved.")
            page.goto(f"{base}/person/check")
            expect(page.locator("#main .summary-row").nth(3)).to_contain_text("This is working")
            after = proxy.log()[stopped_at:]
            assert after and all(line["status"][0] != "5" for line in after), after
            assert all(
                line["upstream"].split(", ")[-1] in ("-", f"127.0.0.1:{b.port}") for line in after
            ), after
            assert len(_stored(url, review_id)) == answered_before + 1
            assert not failures, failures
            context.close()
            browser.close()

        # Requests of the session landed on both instances.
        answered = Counter(
            ports.get(port, port) for port in served_by(proxy.log(), r"^/person/", "POST")
        )
        everything = Counter(
            ports.get(line["upstream"].rsplit(":", 1)[-1], "nginx") for line in proxy.log()
        )
        print(f"\nrequests by instance: {dict(everything)}; person-mode posts: {dict(answered)}")
        print(f"test run time: {time.monotonic() - started:.1f} s")
        assert everything["A"] > 10 and everything["B"] > 10
        rows = _stored(url, review_id)
        assert [r.answer for r in rows] == [["very-good"], ["good"], ["no"], ["working"]]
        assert len({r.client_id for r in rows}) == 4
        assert "[emerg]" not in proxy.error_log()


def _wire(response: http.client.HTTPResponse) -> int:
    """The bytes of a response as sent over HTTP/1.1: status line, headers and body."""
    head = f"HTTP/1.1 {response.status} {response.reason}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in response.getheaders()
    )
    return len(head.encode()) + 2 + int(response.getheader("Content-Length") or 0)


def _upload_photo(page: Any, base: str, person_id: int) -> str:
    """Add a photo of Sam's home with alt text and show photos on Sam's tablet; its address."""
    page.goto(f"{base}/staff/people/{person_id}/photos")
    page.get_by_label("Photo", exact=True).set_input_files(str(GPS_JPEG))
    page.get_by_label("What it shows").fill("My flat")
    page.get_by_label("Show it instead of the picture for").select_option(label="Their home")
    page.get_by_label("Alt text: describe the photo").fill(ALT)
    page.get_by_role("button", name="Add the photo").click()
    page.wait_for_load_state()
    assert "The photo is added." in page.content()
    thumb = page.get_by_role("img", name=ALT)
    src = thumb.get_attribute("src") or ""
    page.goto(f"{base}/staff/people/{person_id}/communication")
    page.get_by_label("Photos where there are some").check()
    page.get_by_role("button", name="Save").first.click()
    page.wait_for_load_state()
    return src if src.startswith("http") else f"{base}{src}"


def _question(page: Any, n: int) -> None:
    expect(page.locator("#main .progress-text")).to_have_text(
        f"Question {n} of {len(PROMPTS)}", timeout=20_000
    )


def _answer(page: Any, name: str) -> None:
    page.locator("#main").get_by_role("button", name=name, exact=True).tap()


def _next(page: Any) -> None:
    page.locator("#main").get_by_role("link", name="Next", exact=True).tap()


def _stored(url: str, review_id: int) -> list[Response]:
    from sqlalchemy.orm import Session

    from facilitator.db import make_engine

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            rows = session.scalars(
                select(Response).where(Response.review_id == review_id).order_by(Response.id)
            ).all()
            session.expunge_all()
            return list(rows)
    finally:
        engine.dispose()
