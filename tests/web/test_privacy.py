"""Subject access pages and download, recording that care ended, and the privacy commands."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import AuditEvent, Person, Review
from facilitator.services import demo as demo_service

from ..conftest import csrf_from, sign_in
from .test_access_matrix import ADVOCATE, ANON, FAMILY, PERSON, STAFF, _visitor_client
from .test_governance_cli import cli_app  # noqa: F401  (the fixture: SQLite and PostgreSQL)

MANAGER = "manager@demo.facilitator.test"


def _sam(app: Flask, demo: dict) -> int:
    with app.app_context():
        review = db.session.get(Review, demo["reviews"]["Sam"])
        assert review is not None
        return review.person_id


def _entries(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _add_photo(app: Flask, person_id: int) -> str | None:
    """A photo row and its file, when the photos table exists."""
    try:
        from facilitator.models.media import Photo
    except ImportError:  # pragma: no cover - before photos exist
        return None
    from facilitator.services.media import storage

    stem = "a1b2c3d4e5f6a7b8c9d0"
    with app.app_context():
        storage.put(db.session, f"{stem}-thumb.jpg", b"\xff\xd8 a photo", "image/jpeg")
        db.session.add(
            Photo(
                person_id=person_id, public_id="p" * 20, alt_text="The front door",
                label="Front door", width=10, height=10, file_stem=stem, file_format="jpeg",
                byte_size=11,
            )
        )  # fmt: skip
        db.session.commit()
    return f"{stem}-thumb.jpg"


def test_manager_sees_what_is_held_in_easy_read(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    person_id = _sam(app, demo)
    sign_in(client, MANAGER)
    person_page = client.get(f"/staff/people/{person_id}").get_data(as_text=True)
    assert f"/staff/people/{person_id}/subject-access" in person_page
    page = client.get(f"/staff/people/{person_id}/subject-access")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "What we keep about you" in html and "Your reviews" in html
    assert "Before you give this to the person" in html  # Sam has supporters: third parties
    assert "We keep your records for 8 years after your care ends." in html
    (seen,) = _entries(app, "person.subject_access_viewed")
    assert seen.person_id == person_id and seen.actor_user_id == demo["users"][MANAGER]


def test_download_is_complete_audited_and_never_cached(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    person_id = _sam(app, demo)
    photo = _add_photo(app, person_id)
    sign_in(client, MANAGER)
    response = client.get(f"/staff/people/{person_id}/subject-access.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = set(archive.namelist())
    assert {f"person-{person_id}.json", f"person-{person_id}-summary.pdf"} <= names
    document = json.loads(archive.read(f"person-{person_id}.json"))
    assert document["person"]["preferred_name"] == "Sam"
    assert document["tables"]["supporters"] and document["tables"]["reviews"]
    assert archive.read(f"person-{person_id}-summary.pdf").startswith(b"%PDF")
    if photo is not None:
        assert f"files/{photo}" in names
        assert document["files"][0]["files"] == [photo]
    (entry,) = _entries(app, "person.subject_access_export")
    assert entry.person_id == person_id and entry.actor_user_id == demo["users"][MANAGER]
    assert entry.detail == {"format_version": 1, "how": "web"}  # who, when, whom: no content


def test_admin_may_download(app: Flask, client: FlaskClient, demo: dict) -> None:
    sign_in(client, "admin@demo.facilitator.test")
    person_id = _sam(app, demo)
    assert client.get(f"/staff/people/{person_id}/subject-access.zip").status_code == 200


@pytest.mark.parametrize("visitor", [ANON, PERSON, FAMILY, ADVOCATE, STAFF])
def test_everyone_else_is_refused(app: Flask, demo: dict, visitor: str) -> None:
    client = _visitor_client(app, demo, visitor)
    person_id = _sam(app, demo)
    for path in ("subject-access", "subject-access.zip"):
        response = client.get(f"/staff/people/{person_id}/{path}")
        assert response.status_code in (302, 303, 403, 404), (visitor, path)
        assert response.mimetype != "application/zip"
        assert "What we keep about you" not in response.get_data(as_text=True)
    assert _entries(app, "person.subject_access_export") == []
    assert _entries(app, "person.subject_access_viewed") == []
    if visitor == STAFF:
        page = client.get(f"/staff/people/{person_id}").get_data(as_text=True)
        assert "subject-access" not in page  # no link to a page they cannot open


def test_unknown_person_is_not_found(client: FlaskClient, demo: dict) -> None:
    sign_in(client, MANAGER)
    assert client.get("/staff/people/987654/subject-access").status_code == 404
    assert client.get("/staff/people/987654/subject-access.zip").status_code == 404


# --- care ended ---------------------------------------------------------------------------


def _care_ended(client: FlaskClient, person_id: int, **form: str):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/people/{person_id}").get_data(as_text=True)
    return client.post(
        f"/staff/people/{person_id}/care-ended", data={"csrf_token": csrf_from(page), **form}
    )


def test_staff_record_that_care_ended_and_can_undo_it(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    person_id = _sam(app, demo)
    sign_in(client, "staff@demo.facilitator.test")
    response = _care_ended(client, person_id, care_ended_on="2026-03-31")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Care ended on 31 March 2026 is recorded." in page
    assert "The records are erased 8 years after that." in page
    with app.app_context():
        assert db.session.get(Person, person_id).care_ended_on == date(2026, 3, 31)  # type: ignore[union-attr]
    again = _care_ended(client, person_id, care_ended_on="2026-03-31", clear="1")
    assert "shown as supported again" in client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Person, person_id).care_ended_on is None  # type: ignore[union-attr]
    actions = [
        e.action for e in _entries(app, "person.care_ended") + _entries(app, "person.care_resumed")
    ]
    assert actions == ["person.care_ended", "person.care_resumed"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the day care ended."),
        ("31/03/2026", "Enter a real date, for example 2026-03-31."),
        ((date.today() + timedelta(days=2)).isoformat(), "cannot be in the future"),
    ],
)
def test_bad_dates_get_a_kind_message_and_keep_what_was_typed(
    app: Flask, client: FlaskClient, demo: dict, typed: str, message: str
) -> None:
    person_id = _sam(app, demo)
    sign_in(client, "staff@demo.facilitator.test")
    response = _care_ended(client, person_id, care_ended_on=typed)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    if typed:
        assert f'value="{typed}"' in page
    with app.app_context():
        assert db.session.get(Person, person_id).care_ended_on is None  # type: ignore[union-attr]
    assert _entries(app, "person.care_ended") == []


# --- the commands, on SQLite and PostgreSQL ------------------------------------------------


def _load_demo(app: Flask) -> dict[str, int]:
    with app.app_context():
        data = demo_service.load(db.session)
        db.session.commit()
        return {name: r.person_id for name, r in data["reviews"].items() if isinstance(name, str)}


def test_export_person_command(cli_app: Flask, tmp_path: Path) -> None:  # noqa: F811
    people = _load_demo(cli_app)
    runner = cli_app.test_cli_runner()
    out = tmp_path / "sam.zip"
    result = runner.invoke(args=["export-person", str(people["Sam"]), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Check third-party information before release." in result.output
    archive = zipfile.ZipFile(out)
    document = json.loads(archive.read(f"person-{people['Sam']}.json"))
    assert document["person"]["id"] == people["Sam"]
    (entry,) = _entries(cli_app, "person.subject_access_export")
    assert entry.actor_label == "command line" and entry.detail["how"] == "command line"
    missing = runner.invoke(args=["export-person", "987654", "--output", str(tmp_path / "x.zip")])
    assert missing.exit_code != 0 and "There is no person with id 987654" in missing.output
    assert not (tmp_path / "x.zip").exists()


def _speech_cache(app: Flask, person_id: int) -> tuple[Path, Path]:
    """A rendered sentence naming the person, and a shared one, in the speech cache."""
    from flask_babel import force_locale

    from facilitator.accessible import speech
    from facilitator.models import OutcomeAction
    from facilitator.outputs.you_said import spoken_texts_for

    with app.app_context():
        review = db.session.scalars(select(Review).where(Review.person_id == person_id)).first()
        assert review is not None
        db.session.add(
            OutcomeAction(
                review_id=review.id, plain_text="Trip to the seaside in May",
                easy_read_text="You will go to the seaside in May.", owner_name="Kim",
                no_link_reason="Asked for at the meeting",
            )
        )  # fmt: skip
        db.session.commit()
        with app.test_request_context(), force_locale("en"):
            texts = spoken_texts_for(db.session, review)
    naming = next(t for t in texts if "seaside" in t)
    plain = next(t for t in texts if "seaside" not in t)
    cache = Path(app.config["SPEECH_CACHE_DIR"])
    cache.mkdir(parents=True, exist_ok=True)
    made = []
    for text in (naming, plain):
        path = cache / speech.audio_filename(text, "en", 135)
        path.write_bytes(b"ID3 audio")
        made.append(path)
    return made[0], made[1]


def test_retention_command_dry_run_then_erase(cli_app: Flask) -> None:  # noqa: F811
    people = _load_demo(cli_app)
    with cli_app.app_context():
        for name, ended in (
            ("Sam", date.today() - timedelta(days=9 * 366)),
            ("Ellis", date.today()),
        ):
            person = db.session.get(Person, people[name])
            assert person is not None
            person.care_ended_on = ended
        from facilitator.models import CaseStatus, Complaint

        for complaint in db.session.scalars(select(Complaint)):
            complaint.status = CaseStatus.CLOSED
        db.session.commit()
        rows_before = db.session.scalar(select(func.count()).select_from(Review))
    personal, shared = _speech_cache(cli_app, people["Sam"])
    runner = cli_app.test_cli_runner()

    dry = runner.invoke(args=["retention"])
    assert dry.exit_code == 0, dry.output
    assert f"person {people['Sam']}: care ended" in dry.output and ": due" in dry.output
    assert f"person {people['Ellis']}:" not in dry.output
    assert "Dry run: nothing was erased." in dry.output
    with cli_app.app_context():
        assert db.session.get(Person, people["Sam"]) is not None
        assert db.session.scalar(select(func.count()).select_from(Review)) == rows_before

    refused = runner.invoke(args=["retention", "--erase"])
    assert refused.exit_code != 0 and "add --confirm" in refused.output
    with cli_app.app_context():
        assert db.session.get(Person, people["Sam"]) is not None

    done = runner.invoke(args=["retention", "--erase", "--confirm"])
    assert done.exit_code == 0, done.output
    assert ": erased" in done.output and "Erased 1 people's records." in done.output
    with cli_app.app_context():
        db.session.expire_all()
        assert db.session.get(Person, people["Sam"]) is None
        assert db.session.get(Person, people["Ellis"]) is not None
        assert not db.session.scalars(select(Review).where(Review.person_id == people["Sam"])).all()
    (entry,) = _entries(cli_app, "person.erased")
    assert entry.person_id == people["Sam"] and entry.detail["counts"]["people"] == 1
    assert not personal.exists() and shared.exists()  # sentences about Sam's actions go too
    assert entry.detail["speech_files"] == 1
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "The audit trail is intact" in verify.output
    again = runner.invoke(args=["retention"])
    assert "Nothing is due for erasure." in again.output


def test_people_whose_care_ended_are_listed_for_staff(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    person_id = _sam(app, demo)
    sign_in(client, "staff@demo.facilitator.test")
    assert "Nobody's care has ended." in client.get("/staff/people/care-ended").get_data(
        as_text=True
    )
    _care_ended(client, person_id, care_ended_on="2017-05-01")
    home = client.get("/staff/").get_data(as_text=True)
    assert "/staff/people/care-ended" in home
    page = client.get("/staff/people/care-ended").get_data(as_text=True)
    assert f'href="/staff/people/{person_id}"' in page
    assert "1 May 2017" in page and "1 May 2025" in page and "(due now)" in page
