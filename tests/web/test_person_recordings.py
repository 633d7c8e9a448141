"""The person's own voice through the web (issue 24): asked first, kept once, refused kindly,
heard only by those allowed and by the supporters the person chose."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from facilitator.extensions import db
from facilitator.models import AuditEvent, PersonRecording, RecordingConsent, Review, Supporter
from facilitator.services.media import storage

from ..conftest import csrf_from, sign_in
from ..unit import audio_samples as samples
from ..unit.test_person_recordings import long_webm, webm_with_metadata
from .test_family import _in, _issue
from .test_person_mode import start_session


def _token(client: FlaskClient, url: str = "/person/") -> str:
    return csrf_from(client.get(url).get_data(as_text=True))


def _agree(client: FlaskClient, hear: dict[int, str] | None = None, back: int = 1) -> None:
    """The person says yes to keeping their voice, and yes/no for each supporter."""
    page = client.get(f"/person/my-voice?back={back}")
    assert page.status_code == 200
    response = client.post(
        f"/person/my-voice?back={back}",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "decision": "yes"},
    )
    assert response.status_code == 303
    number = 1
    while "/my-voice/hear/" in response.headers["Location"]:
        page = client.get(response.headers["Location"])
        assert page.status_code == 200
        response = client.post(
            response.headers["Location"],
            data={
                "csrf_token": csrf_from(page.get_data(as_text=True)),
                "decision": (hear or {}).get(number, "no"),
            },
        )
        assert response.status_code == 303
        number += 1
    assert response.headers["Location"].endswith(f"/person/q/{back}/say")


def _send(
    client: FlaskClient,
    review_id: int,
    body: bytes,
    client_id: str | None = None,
    position: int = 1,
    name: str = "recording.webm",
    mimetype: str = "audio/webm",
):  # type: ignore[no-untyped-def]
    data = {
        "client_id": client_id or uuid.uuid4().hex,
        "review_id": str(review_id),
        "position": str(position),
        "recording": FileStorage(io.BytesIO(body), name, "recording", content_type=mimetype),
    }
    boundary, encoded = encode_multipart(data)
    return client.post(
        "/person/api/recordings",
        data=encoded,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"X-CSRFToken": _token(client), "Accept": "application/json"},
    )


def _count(app: Flask) -> int:
    with app.app_context():
        return len(db.session.scalars(select(PersonRecording)).all())


def test_say_it_asks_first_then_keeps_once_and_the_person_hears_it(app: Flask, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    tablet = app.test_client()
    start_session(tablet, review_id)
    prompt = tablet.get("/person/q/1").get_data(as_text=True)
    assert "/person/q/1/say" in prompt  # beside "I want to say more"
    # Not asked yet: the consent screen first, and nothing can be sent.
    first = tablet.get("/person/q/1/say")
    assert first.status_code == 303 and "/person/my-voice?back=1" in first.headers["Location"]
    refused = _send(tablet, review_id, samples.webm_opus(2.0))
    assert refused.status_code == 403
    assert _count(app) == 0
    _agree(tablet, hear={1: "yes"})
    page = tablet.get("/person/q/1/say")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data-say-it" in html and 'data-max-seconds="60"' in html
    assert "You can talk for up to 60 seconds." in html
    client_id = uuid.uuid4().hex
    sent = _send(tablet, review_id, samples.webm_opus(2.0), client_id)
    assert sent.status_code == 200 and sent.get_json()["ok"] and not sent.get_json()["replay"]
    again = _send(tablet, review_id, samples.webm_opus(2.0), client_id)  # the queue resends
    assert again.get_json() == {**sent.get_json(), "replay": True}
    assert _count(app) == 1
    public_id = sent.get_json()["id"]
    heard = tablet.get(f"/person/my-voice/{public_id}")
    assert heard.status_code == 200 and heard.mimetype == "audio/webm"
    assert "no-store" in heard.headers["Cache-Control"]
    assert heard.headers["X-Content-Type-Options"] == "nosniff"
    assert "Said by you, recorded" in tablet.get("/person/q/1/say").get_data(as_text=True)
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"recording_consent.person_choice", "person_recording.kept"} <= actions


def test_no_leaves_every_other_way_of_answering(app: Flask, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    tablet = app.test_client()
    start_session(tablet, review_id)
    page = tablet.get("/person/my-voice?back=1")
    response = tablet.post(
        "/person/my-voice?back=1",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "decision": "no"},
    )
    assert response.headers["Location"].endswith("/person/q/1/say")
    html = tablet.get("/person/q/1/say").get_data(as_text=True)
    assert "You said no to keeping your voice" in html and "data-say-it" not in html
    assert "/person/q/1/words" in html
    assert _send(tablet, review_id, samples.webm_opus(2.0)).status_code == 403
    assert _count(app) == 0
    # Tapping and typing are as they were.
    assert tablet.get("/person/q/1").status_code == 200
    assert tablet.get("/person/q/1/words").status_code == 200
    with app.app_context():
        row = db.session.scalars(select(RecordingConsent)).one()
        assert row.decision == "no" and row.hear_supporter_ids == []


BAD = {
    "not audio (a web page)": (
        b"<!doctype html><script>alert(1)</script>",
        "not a sound recording",
    ),
    "empty": (b"", "The recording is empty"),
    "wav, not the tablet's": (samples.wav(1.0), "not a recording the tablet made"),
    "truncated": (samples.webm_opus(3.0)[:-7], "cut short"),
    "video sent as audio": (
        samples.webm_opus(2.0, track_type=1, codec=b"V_VP8"),
        "not a sound-only",
    ),
    "over-size": (b"\x1a\x45\xdf\xa3" + b"\0" * (4 * 1024 * 1024 + 10), "too big"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_recordings_are_refused_kindly(app: Flask, demo: dict, case: str) -> None:
    review_id = demo["reviews"]["Sam"]
    tablet = app.test_client()
    start_session(tablet, review_id)
    _agree(tablet)
    body, words = BAD[case]
    response = _send(tablet, review_id, body)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert words in response.get_json()["error"]
    assert _count(app) == 0


def test_over_long_is_refused_by_the_persons_own_limit(app: Flask, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    tablet = app.test_client()
    start_session(tablet, review_id)
    _agree(tablet)
    response = _send(tablet, review_id, long_webm(75.0))
    assert response.status_code == 400
    assert "up to 60 seconds" in response.get_json()["error"]
    with app.app_context():
        review = db.session.get(Review, review_id)
        assert review is not None
        review.person.settings = {**review.person.settings, "recording_seconds": 90}
        db.session.commit()
    assert _send(tablet, review_id, long_webm(75.0)).status_code == 200


def test_metadata_is_not_kept(app: Flask, demo: dict) -> None:
    review_id = demo["reviews"]["Sam"]
    tablet = app.test_client()
    start_session(tablet, review_id)
    _agree(tablet)
    sent = _send(tablet, review_id, webm_with_metadata())
    assert sent.status_code == 200
    with app.app_context():
        row = db.session.scalars(select(PersonRecording)).one()
        blob = storage.get(db.session, f"person-voices/{row.file_name}")
        assert blob is not None
        assert b"SecretMuxer" not in blob.body and b"Home of Sam" not in blob.body
        assert b"LOCATION" not in blob.body


def _kept_recording(app: Flask, demo: dict, hear: dict[int, str]) -> tuple[str, FlaskClient]:
    review_id = demo["reviews"]["Sam"]
    tablet = app.test_client()
    start_session(tablet, review_id)
    _agree(tablet, hear=hear)
    sent = _send(tablet, review_id, samples.webm_opus(2.0))
    assert sent.status_code == 200
    return sent.get_json()["id"], tablet


def _supporters(app: Flask, demo: dict) -> list[Supporter]:
    from facilitator.services.media import person_recordings

    with app.app_context():
        review = db.session.get(Review, demo["reviews"]["Sam"])
        assert review is not None
        found = person_recordings.voice_supporters(db.session, review.person)
        db.session.expunge_all()
        return found


def test_staff_hear_add_a_transcript_as_theirs_and_delete(app: Flask, demo: dict) -> None:
    public_id, _tablet = _kept_recording(app, demo, {})
    review_id = demo["reviews"]["Sam"]
    staff = app.test_client()
    sign_in(staff, "staff@demo.facilitator.test")
    page = staff.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    assert f"/staff/reviews/{review_id}/recordings/{public_id}" in page
    assert "said by Sam, recorded" in page
    assert "Sam said yes to keeping their voice on this review." in page
    assert "No family member or friend may hear it" in page
    heard = staff.get(f"/staff/reviews/{review_id}/recordings/{public_id}")
    assert heard.status_code == 200
    assert "no-store" in heard.headers["Cache-Control"]
    assert heard.headers["X-Content-Type-Options"] == "nosniff"
    token = csrf_from(page)
    empty = staff.post(
        f"/staff/reviews/{review_id}/recordings/{public_id}/transcript",
        data={"csrf_token": token, "transcript": "   "},
    )
    assert empty.status_code == 303  # refused, shown on the review page
    staff.post(
        f"/staff/reviews/{review_id}/recordings/{public_id}/transcript",
        data={"csrf_token": token, "transcript": "I want to go swimming on Fridays."},
    )
    page = staff.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    assert re.search(r"Transcript by [^<]+ \(not Sam(&#39;|')s own words\)", page)
    assert "I want to go swimming on Fridays." in page
    staff.post(
        f"/staff/reviews/{review_id}/recordings/{public_id}/delete",
        data={"csrf_token": token, "reason": "Sam asked us to delete it."},
    )
    assert staff.get(f"/staff/reviews/{review_id}/recordings/{public_id}").status_code == 404
    with app.app_context():
        row = db.session.scalars(select(PersonRecording)).one()
        assert row.deleted and row.transcript is None
        assert storage.get(db.session, f"person-voices/{row.file_name}") is None


def test_staff_of_another_service_never_get_it(app: Flask, demo: dict) -> None:
    public_id, _tablet = _kept_recording(app, demo, {})
    other = app.test_client()
    sign_in(other, "tycelyn@demo.facilitator.test")
    review_id = demo["reviews"]["Sam"]
    assert other.get(f"/staff/reviews/{review_id}/recordings/{public_id}").status_code == 404


def test_subject_access_and_erasure_cover_the_recording(app: Flask, demo: dict) -> None:
    from facilitator.services.data import privacy

    public_id, _tablet = _kept_recording(app, demo, {1: "yes"})
    with app.app_context():
        row = db.session.scalars(select(PersonRecording)).one()
        held = privacy.holdings(db.session, row.person_id)
        assert [r["public_id"] for r in held.rows["person_recordings"]] == [public_id]
        assert len(held.rows["recording_consents"]) >= 1
        files = privacy.files_for(db.session, held)
        key = f"person-voices/{row.file_name}"
        found = {"table": "person_recordings", "row_id": row.id, "files": [key]}
        assert {**found, "bytes": row.byte_size} in files
        document = privacy.export_document(db.session, row.person_id, held=held)
        assert document["tables"]["person_recordings"][0]["public_id"] == public_id


def _family_client(app: Flask, demo: dict) -> FlaskClient:
    family = app.test_client()
    _in(family, _issue(app, demo))  # Alex Carter, who may see Sam's answers
    return family


def _alex_number(app: Flask, demo: dict) -> int:
    names = [s.name for s in _supporters(app, demo)]
    return names.index("Alex Carter") + 1


def test_a_family_member_the_person_did_not_choose_never_gets_the_recording(
    app: Flask, demo: dict
) -> None:
    public_id, _tablet = _kept_recording(app, demo, {_alex_number(app, demo): "no"})
    family = _family_client(app, demo)
    assert family.get(f"/family/recordings/{public_id}").status_code == 404
    page = family.get("/family/review").get_data(as_text=True)
    assert public_id not in page and "recorded (" not in page


def test_a_family_member_the_person_chose_hears_it(app: Flask, demo: dict) -> None:
    public_id, _tablet = _kept_recording(app, demo, {_alex_number(app, demo): "yes"})
    family = _family_client(app, demo)
    heard = family.get(f"/family/recordings/{public_id}")
    assert heard.status_code == 200 and heard.mimetype == "audio/webm"
    assert "no-store" in heard.headers["Cache-Control"]
    assert heard.headers["X-Content-Type-Options"] == "nosniff"
    # A different person's supporter, or no session at all, gets nothing.
    assert app.test_client().get(f"/family/recordings/{public_id}").status_code != 200
    with app.app_context():
        assert (
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "person_recording.heard")
            ).first()
            is not None
        )


def test_the_record_page_print_and_pdf_say_a_recording_exists_and_its_transcript(
    app: Flask, demo: dict
) -> None:
    public_id, _tablet = _kept_recording(app, demo, {})
    review_id = demo["reviews"]["Sam"]
    staff = app.test_client()
    sign_in(staff, "staff@demo.facilitator.test")
    token = csrf_from(staff.get(f"/staff/reviews/{review_id}").get_data(as_text=True))
    staff.post(
        f"/staff/reviews/{review_id}/recordings/{public_id}/transcript",
        data={"csrf_token": token, "transcript": "More swimming, please."},
    )
    for address in ("", "print"):
        page = staff.get(f"/staff/reviews/{review_id}/record/{address}")
        assert page.status_code == 200
        html = page.get_data(as_text=True).replace("&#39;", "'")
        assert "A recording of Sam's own voice, 2 seconds: said by Sam, recorded." in html
        assert "(not Sam's own words):" in html and "More swimming, please." in html
    pdf = staff.get(f"/staff/reviews/{review_id}/record/record.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_the_time_limit_is_a_setting_of_the_persons(app: Flask, demo: dict) -> None:
    tablet = app.test_client()
    start_session(tablet, demo["reviews"]["Sam"])
    _agree(tablet)
    page = tablet.get("/person/settings").get_data(as_text=True)
    assert "Time to talk when you record your voice" in page
    assert re.search(r'name="recording_seconds" value="60" checked', page)
    form = {
        name: value
        for name, value in re.findall(r'name="([a-z_]+)" value="([^"]*)"[^>]* checked', page)
    }
    form.update({"csrf_token": csrf_from(page), "recording_seconds": "90"})
    assert tablet.post("/person/settings", data=form).status_code == 303
    say = tablet.get("/person/q/1/say").get_data(as_text=True)
    assert "You can talk for up to 90 seconds." in say and 'data-max-seconds="90"' in say
    form["recording_seconds"] = "100000"  # not one of the choices: left as it was
    tablet.post("/person/settings", data=form)
    assert 'data-max-seconds="90"' in tablet.get("/person/q/1/say").get_data(as_text=True)


def test_an_action_answers_a_recording_as_it_answers_a_statement(app: Flask, demo: dict) -> None:
    from datetime import date

    from facilitator.models import User, action_recordings
    from facilitator.services.reviews import actions

    public_id, _tablet = _kept_recording(app, demo, {})
    review_id = demo["reviews"]["Sam"]
    with app.app_context():
        review = db.session.get(Review, review_id)
        staff_user = db.session.scalars(
            select(User).where(User.email == "staff@demo.facilitator.test")
        ).one()
        assert review is not None
        review.person_confirmed_at = review.created_at  # the person has had their say
        action = actions.create_action(
            db.session, review, actions.ActionInput(
                statement_ids=[], plain_text="Find a swimming club for Sam.",
                easy_read_text="We will find a swimming club.", owner_name=staff_user.name,
                owner_user_id=staff_user.id, due_on=date.today(),
                no_link_reason="Sam said it in his recording.",
            ), actor=staff_user,
        )  # fmt: skip
        db.session.commit()
        action_id = action.id
    staff = app.test_client()
    sign_in(staff, "staff@demo.facilitator.test")
    page = staff.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    token = csrf_from(page)
    address = f"/staff/reviews/{review_id}/recordings/{public_id}/actions"
    refused = staff.post(address, data={"csrf_token": token, "action_id": "999999"})
    assert refused.status_code == 303
    for _ in range(2):  # twice: linked once
        staff.post(address, data={"csrf_token": token, "action_id": str(action_id)})
    with app.app_context():
        assert len(db.session.execute(select(action_recordings)).all()) == 1
    page = staff.get(f"/staff/reviews/{review_id}").get_data(as_text=True)
    assert "Answered by: Find a swimming club for Sam." in page
    record = staff.get(f"/staff/reviews/{review_id}/record/").get_data(as_text=True)
    assert "Answered by: Find a swimming club for Sam." in record


def test_without_javascript_the_file_field_keeps_it_the_same_way(app: Flask, demo: dict) -> None:
    tablet = app.test_client()
    start_session(tablet, demo["reviews"]["Sam"])
    _agree(tablet)
    page = tablet.get("/person/q/1/say").get_data(as_text=True)
    client_id = re.search(r'name="client_id" value="([0-9a-f]+)"', page)
    assert client_id and 'name="recording" type="file"' in page

    def post(body: bytes) -> object:
        data = {
            "csrf_token": csrf_from(page),
            "client_id": client_id.group(1) if body else uuid.uuid4().hex,
            "recording": FileStorage(io.BytesIO(body), "r.webm", "recording"),
        }
        boundary, encoded = encode_multipart(data)
        return tablet.post(
            "/person/q/1/say",
            data=encoded,
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    refused = post(b"")
    assert refused.status_code == 303 and _count(app) == 0  # kindly, back to the screen
    kept = post(samples.ogg_opus(2.0))
    assert kept.status_code == 303 and kept.headers["Location"].endswith("/person/q/1/say")
    assert _count(app) == 1
