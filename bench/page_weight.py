"""Bytes transferred for the first prompt screen in Chromium (audio excluded).

Run: .venv/bin/python bench/page_weight.py   (prints a table; used by `make bench`)
Starts the app on a temporary SQLite database with the demo data, signs in as a facilitator,
starts Sam's session and loads the first prompt with an empty cache.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pyotp  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from facilitator import create_app  # noqa: E402
from facilitator.db import upgrade  # noqa: E402
from facilitator.extensions import db  # noqa: E402
from facilitator.services import demo  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


KEYWORKER = "keyworker@demo.facilitator.test"


def _enrol_second_step(email: str) -> str:
    """Set up the account's authenticator directly in the database; returns its secret."""
    from sqlalchemy import select

    from facilitator.models import User, utcnow

    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    user.totp_secret = pyotp.random_base32(32)
    user.totp_enabled_at = utcnow()
    db.session.commit()
    return user.totp_secret


def measure() -> dict[str, Any]:
    """Load the first prompt in Chromium and add up what crossed the network."""
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp())
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "b" * 40, "INSTANCE_PATH": str(folder),
                      "SPEECH_CACHE_DIR": str(ROOT / "instance" / "audio")})
    with app.app_context():
        demo.load(db.session)
        db.session.commit()
        secret = _enrol_second_step(KEYWORKER)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    sizes: list[tuple[str, str, int]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
            page.goto(f"{base}/sign-in")
            page.get_by_label("Email address").fill(KEYWORKER)
            page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            # The second step, typed as the keyworker's authenticator app would show it.
            page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            if "/sign-in/" in page.url:  # the second step: the code the account's app shows
                from run import second_factor_code

                page.goto(f"{base}/sign-in/code")
                page.locator("input[name=code]").fill(
                    second_factor_code(url, "keyworker@demo.facilitator.test"))
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_load_state()
            page.goto(f"{base}/staff/reviews/1")
            page.get_by_role("button", name="Start Sam's session on this tablet").click()
            page.wait_for_load_state("networkidle")
            fresh = browser.new_context(viewport={"width": 1024, "height": 768},
                                        storage_state=page.context.storage_state()).new_page()
            cdp = fresh.context.new_cdp_session(fresh)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            types: dict[str, str] = {}
            cdp.on("Network.responseReceived", lambda e: types.__setitem__(e["requestId"], e["type"] + " " + e["response"]["url"]))
            cdp.on("Network.loadingFinished", lambda e: sizes.append((e["requestId"], types.get(e["requestId"], "?"), int(e["encodedDataLength"]))))
            fresh.goto(f"{base}/person/q/1")
            fresh.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(folder, ignore_errors=True)
    rows = [(kind, size) for _id, kind, size in sizes if "/person/audio/" not in kind and "Media" not in kind]
    total = sum(size for _k, size in rows)
    js = sum(size for k, size in rows if k.startswith("Script"))
    return {"first_prompt_kib": round(total / 1024, 1), "first_prompt_js_kib": round(js / 1024, 1),
            "requests": len(rows), "by_request": sorted(((k.split(" ", 1)[1].replace(base, ""), round(s / 1024, 1)) for k, s in rows), key=lambda r: -r[1])}


if __name__ == "__main__":
    result = measure()
    for url, kib in result["by_request"]:
        print(f"{kib:8.1f} KiB  {url}")
    print(json.dumps({k: v for k, v in result.items() if k != "by_request"}))
