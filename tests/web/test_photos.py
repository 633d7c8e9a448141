"""A person's photos through the web: upload with alt text, bad files refused kindly, served
only to those allowed to see that person, removed with an audit entry, rate limited, and
shown in person mode with the "photos" setting."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from facilitator.extensions import db
from facilitator.models import AuditEvent, Photo, Review
from facilitator.services.media import storage

from ..conftest import csrf_from, make_test_app, sign_in
from .test_family import _confirm, _issue, _open
from .test_person_mode import start_session

BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad_files"
STAFF = "staff@demo.facilitator.test"
ADVOCATE = "advocate@demo.facilitator.test"  # assigned to Ellis, not to Sam


def _person_id(app: Flask, demo: dict, name: str) -> int:
    with app.app_context():
        review = db.session.get(Review, demo["reviews"][name])
        assert review is not None
        return review.person_id


def _upload(client: FlaskClient, person_id: int, body: bytes, name: str = "photo.jpg",
            **fields: str):  # type: ignore[no-untyped-def]  # fmt: skip
    page = client.get(f"/staff/people/{person_id}/photos/")
    data = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "alt_text": "Sam's front door, painted blue",
        "label": "My flat",
        "stands_for": "house",
        **fields,
    }
    # The body is encoded here, in memory: werkzeug's test client would spool a large one to
    # a temporary file that it never closes.
    boundary = "----photo-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in data.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + body
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return client.post(
        f"/staff/people/{person_id}/photos/", data=b"".join(parts),
        content_type=f"multipart/form-data; boundary={boundary}",
    )  # fmt: skip


def _jpeg(width: int = 400, height: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def _photo(app: Flask, person_id: int) -> Photo:
    with app.app_context():
        photo = db.session.scalars(
            select(Photo).where(Photo.person_id == person_id).order_by(Photo.id.desc())
        ).first()
        assert photo is not None
        db.session.expunge(photo)
        return photo


@pytest.fixture
def staff(client: FlaskClient, demo: dict) -> FlaskClient:
    assert sign_in(client, STAFF).status_code == 302
    return client


def test_upload_list_and_serve(app: Flask, staff: FlaskClient, demo: dict) -> None:
    sam = _person_id(app, demo, "Sam")
    person_page = staff.get(f"/staff/people/{sam}").get_data(as_text=True)
    assert f'href="/staff/people/{sam}/photos/"' in person_page
    response = _upload(staff, sam, (BAD / "gps.jpg").read_bytes(), "IMG_0001.jpg")
    assert response.status_code == 303
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "The photo is added." in page
    assert 'alt="Sam&#39;s front door, painted blue"' in page
    photo = _photo(app, sam)
    assert photo.stands_for == "house" and "IMG_0001" not in photo.file_stem
    served = staff.get(f"/photos/{photo.public_id}/large.jpg")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in served.headers["Cache-Control"]
    with Image.open(io.BytesIO(served.data)) as stored:
        assert stored.getexif().get_ifd(0x8825) == {} and len(stored.getexif()) == 0
    served.close()
    # The file lives in the file store (the database), never under static.
    with app.app_context():
        assert storage.keys_starting(db.session, photo.file_stem) == [
            f"{photo.file_stem}-{size}.jpg" for size in ("large", "prompt", "thumb")
        ]
    assert staff.get(f"/photos/{photo.public_id}/huge.jpg").status_code == 404


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"alt_text": ""}, "Describe the photo for someone who cannot see it"),
        ({"label": ""}, "Say in a few words what the photo shows"),
        ({"stands_for": "tick"}, "from the list"),
    ],
)
def test_words_are_required_and_kept(
    app: Flask, staff: FlaskClient, demo: dict, fields: dict, says: str
) -> None:
    sam = _person_id(app, demo, "Sam")
    response = _upload(staff, sam, _jpeg(), **{"label": "Kept label", **fields})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert says in body and "choose it again" in body
    if fields.get("label") != "":
        assert 'value="Kept label"' in body  # what was typed is not lost
    with app.app_context():
        assert db.session.scalar(select(Photo)) is None


def test_no_file_chosen(app: Flask, staff: FlaskClient, demo: dict) -> None:
    sam = _person_id(app, demo, "Sam")
    page = staff.get(f"/staff/people/{sam}/photos/")
    response = staff.post(
        f"/staff/people/{sam}/photos/",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "alt_text": "A", "label": "B"},
    )
    assert response.status_code == 400
    assert "Choose a photo to upload." in response.get_data(as_text=True)


BAD_FILES = {
    "truncated.jpg": "damaged or incomplete",
    "oversized.png": "too large in pixels",
    "bomb.png": "too large in pixels",
    "svg-renamed.png": "not a JPEG, PNG or WebP photo",
    "html-renamed.png": "not a JPEG, PNG or WebP photo",
    "animation.gif": "not a JPEG, PNG or WebP photo",
    "empty.png": "The file is empty",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_are_refused_kindly_never_a_crash(
    app: Flask, staff: FlaskClient, demo: dict, name: str
) -> None:
    sam = _person_id(app, demo, "Sam")
    response = _upload(staff, sam, (BAD / name).read_bytes(), name)
    body = response.get_data(as_text=True)
    assert response.status_code == 400, body[:300]
    assert BAD_FILES[name] in body
    assert 'value="My flat"' in body and "Sam&#39;s front door, painted blue" in body
    with app.app_context():
        assert db.session.scalar(select(Photo)) is None
    with app.app_context():
        assert storage.keys_starting(db.session, "") == []


@pytest.mark.parametrize(
    "name", ["rotated.jpg", "cmyk.jpg", "alpha-text.png", "jpeg-with-html-tail.jpg"]
)
def test_awkward_files_are_cleaned(app: Flask, staff: FlaskClient, demo: dict, name: str) -> None:
    sam = _person_id(app, demo, "Sam")
    assert _upload(staff, sam, (BAD / name).read_bytes(), name).status_code == 303


def test_over_the_byte_limit(app: Flask, staff: FlaskClient, demo: dict) -> None:
    sam = _person_id(app, demo, "Sam")
    app.config["PHOTO_MAX_BYTES"] = 1024 * 1024
    body = _jpeg() + b"\0" * (1024 * 1024)  # a real JPEG header, then too many bytes
    response = _upload(staff, sam, body)
    assert response.status_code == 400
    assert "larger than 1 MB" in response.get_data(as_text=True)


def test_over_the_request_limit(app: Flask, staff: FlaskClient, demo: dict) -> None:
    sam = _person_id(app, demo, "Sam")
    # Past the whole request limit the server refuses before reading: the photos page says so.
    app.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    huge = _upload(staff, sam, _jpeg() + b"\0" * (3 * 1024 * 1024))
    assert huge.status_code == 413
    page = huge.get_data(as_text=True)
    assert "The file is larger than 6 MB" in page and "type the description again" in page
    assert "Add a photo" in page  # the form is there to try again


def _two_photos(app: Flask, demo: dict) -> tuple[Photo, Photo]:
    client = app.test_client()
    sign_in(client, STAFF)
    sam, ellis = _person_id(app, demo, "Sam"), _person_id(app, demo, "Ellis")
    assert _upload(client, sam, _jpeg()).status_code == 303
    assert _upload(client, ellis, _jpeg(), alt_text="Ellis's key worker Jo, smiling",
                   label="Jo", stands_for="staff").status_code == 303  # fmt: skip
    return _photo(app, sam), _photo(app, ellis)


def test_only_those_allowed_to_see_the_person_get_the_file(app: Flask, demo: dict) -> None:
    sams, ellis = _two_photos(app, demo)
    anonymous = app.test_client()
    response = anonymous.get(f"/photos/{sams.public_id}/thumb.jpg")
    assert response.status_code in (302, 401) and "/sign-in" in response.headers.get(
        "Location", "/sign-in"
    )

    advocate = app.test_client()
    sign_in(advocate, ADVOCATE)
    assert advocate.get(f"/photos/{sams.public_id}/thumb.jpg").status_code == 404  # not assigned
    assigned = advocate.get(f"/photos/{ellis.public_id}/thumb.jpg")
    assert assigned.status_code == 200
    assigned.close()
    assert advocate.get(f"/staff/people/{ellis.person_id}/photos/").status_code == 403

    # A tablet locked to Sam's review: Sam's photos at its own address, nobody else's.
    tablet = app.test_client()
    start_session(tablet, demo["reviews"]["Sam"])
    own = tablet.get(f"/person/photos/{sams.public_id}/prompt.jpg")
    assert own.status_code == 200 and own.mimetype == "image/jpeg"
    assert own.headers["Cache-Control"] == "no-store"
    own.close()
    assert tablet.get(f"/person/photos/{ellis.public_id}/prompt.jpg").status_code == 404
    assert tablet.get(f"/photos/{sams.public_id}/prompt.jpg").status_code == 302  # locked

    # A family link sees no photos at all.
    family = app.test_client()
    issued = _issue(app, demo)
    assert _open(family, issued.token).status_code == 302
    assert _confirm(family, issued.code).status_code == 302
    for url in (
        f"/photos/{sams.public_id}/thumb.jpg",
        f"/person/photos/{sams.public_id}/thumb.jpg",
    ):
        assert family.get(url).status_code in (302, 401, 403, 404)
        assert family.get(url).mimetype != "image/jpeg"


def test_removal_is_audited_and_the_file_goes(app: Flask, staff: FlaskClient, demo: dict) -> None:
    sam = _person_id(app, demo, "Sam")
    _upload(staff, sam, _jpeg())
    photo = _photo(app, sam)
    page = staff.get(f"/staff/people/{sam}/photos/").get_data(as_text=True)
    removed = staff.post(f"/staff/people/{sam}/photos/{photo.public_id}/remove",
                         data={"csrf_token": csrf_from(page)})  # fmt: skip
    assert removed.status_code == 303
    after = staff.get(f"/staff/people/{sam}/photos/").get_data(as_text=True)
    assert "The photo is removed." in after and "No photos yet." in after
    assert staff.get(f"/photos/{photo.public_id}/thumb.jpg").status_code == 404
    with app.app_context():
        assert storage.keys_starting(db.session, photo.file_stem) == []
    with app.app_context():
        kept = db.session.get(Photo, photo.id)
        assert kept is not None and kept.removed_at is not None
        actions = set(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == sam))
        )
        assert {"photo.added", "photo.removed"} <= actions
    # Another person's address does not reach the photo, and removing twice is a 404.
    ellis = _person_id(app, demo, "Ellis")
    assert staff.post(f"/staff/people/{ellis}/photos/{photo.public_id}/remove",
                      data={"csrf_token": csrf_from(page)}).status_code == 404  # fmt: skip


def test_uploads_are_rate_limited(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    shutil.copy(sqlite_template, tmp_path / "db.sqlite3")
    app = make_test_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}",
                        RATELIMIT_UPLOADS="2 per minute")  # fmt: skip
    from facilitator.services import demo as demo_service

    with app.app_context():
        data = demo_service.load(db.session)
        db.session.commit()
        sam = data["reviews"]["Sam"].person_id
    client = app.test_client()
    sign_in(client, STAFF)
    assert _upload(client, sam, _jpeg()).status_code == 303
    assert _upload(client, sam, b"not a photo", "x.png").status_code == 400  # counts too
    limited = _upload(client, sam, _jpeg())
    assert limited.status_code == 429
    assert "Please wait a moment" in limited.get_data(as_text=True)
    # The list itself is not limited.
    assert client.get(f"/staff/people/{sam}/photos/").status_code == 200
    db.engine.dispose()  # type: ignore[union-attr]


def _set_pictures(app: Flask, person_id: int, value: str) -> None:
    from facilitator.models import Person

    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person is not None
        person.settings = {**(person.settings or {}), "pictures": value}
        db.session.commit()


def test_person_mode_shows_the_photo_only_with_the_photos_setting(app: Flask, demo: dict) -> None:
    sams, _ellis = _two_photos(app, demo)
    tablet = app.test_client()
    start_session(tablet, demo["reviews"]["Sam"])
    first = tablet.get("/person/q/1").get_data(as_text=True)
    assert "/photos/" not in first  # the default setting: pictures
    assert "vendor/pictures/flat/house.svg" in first

    _set_pictures(app, sams.person_id, "photos")
    first = tablet.get("/person/q/1").get_data(as_text=True)
    big = re.search(r'<div class="big-picture"><img src="([^"]+)" alt="([^"]*)"', first)
    assert big, first[:500]
    assert big.group(1) == f"/person/photos/{sams.public_id}/prompt.jpg"
    assert big.group(2) == "Sam&#39;s front door, painted blue"
    offline = tablet.get("/person/api/offline-urls").get_json()
    assert f"/person/photos/{sams.public_id}/prompt.jpg" in offline["pages"]
    assert not [u for u in offline["assets"] if "/photos/" in u]

    # A removed photo is no longer shown: the pictogram comes back.
    staff = app.test_client()
    sign_in(staff, STAFF)
    page = staff.get(f"/staff/people/{sams.person_id}/photos/").get_data(as_text=True)
    staff.post(f"/staff/people/{sams.person_id}/photos/{sams.public_id}/remove",
               data={"csrf_token": csrf_from(page)})  # fmt: skip
    first = tablet.get("/person/q/1").get_data(as_text=True)
    assert "/photos/" not in first and "vendor/pictures/flat/house.svg" in first


def test_outputs_show_the_persons_photos_only_in_their_own_reviews(app: Flask, demo: dict) -> None:
    from pypdf import PdfReader

    from .test_actions import captured, write_action

    sam_review, ellis_review = demo["reviews"]["Sam"], demo["reviews"]["Ellis"]
    sam = _person_id(app, demo, "Sam")
    ids = captured(app, sam_review)
    staff = app.test_client()
    sign_in(staff, "keyworker@demo.facilitator.test")
    write_action(staff, sam_review, statement=[str(ids["words"])])
    assert _upload(staff, sam, _jpeg(), alt_text="Tom, Sam's key worker, waving",
                   label="Tom", stands_for="staff").status_code == 303  # fmt: skip
    key_worker = _photo(app, sam)
    assert _upload(staff, sam, _jpeg()).status_code == 303  # the house
    house = _photo(app, sam)

    def images(pdf: bytes) -> int:
        reader = PdfReader(io.BytesIO(pdf))
        return sum(
            1 for page in reader.pages
            for obj in (page["/Resources"].get("/XObject") or {}).values()
            if obj.get_object().get("/Subtype") == "/Image"
        )  # fmt: skip

    you_said = f"/staff/reviews/{sam_review}/you-said"
    record = f"/staff/reviews/{sam_review}/record"
    # The default setting is pictures: no photos in the outputs.
    assert "/photos/" not in staff.get(f"{you_said}/").get_data(as_text=True)
    assert images(staff.get(f"{you_said}/you-said.pdf").data) == 0

    _set_pictures(app, sam, "photos")
    page = staff.get(f"{you_said}/").get_data(as_text=True)
    assert (
        f'src="/photos/{key_worker.public_id}/thumb.jpg" alt="Tom, Sam&#39;s key worker, waving"'
        in page
    )
    assert 'lang="en"' in page
    assert images(staff.get(f"{you_said}/you-said.pdf").data) >= 1
    printed = staff.get(f"{you_said}/print").get_data(as_text=True)
    assert f"/photos/{key_worker.public_id}/thumb.jpg" in printed
    record_page = staff.get(f"{record}/").get_data(as_text=True)
    assert f'src="/photos/{house.public_id}/thumb.jpg"' in record_page
    assert images(staff.get(f"{record}/record.pdf").data) >= 1
    # Another person's outputs never show Sam's photos.
    captured(app, ellis_review)
    assert "/photos/" not in staff.get(f"/staff/reviews/{ellis_review}/record/").get_data(
        as_text=True
    )


def test_limits_switched_off_in_one_app_stay_on_in_the_next(
    tmp_path: Path, sqlite_template: Path
) -> None:
    import shutil

    from facilitator.extensions import limiter

    shutil.copy(sqlite_template, tmp_path / "db.sqlite3")
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    make_test_app(tmp_path / "off", url, RATELIMIT_ENABLED=False)
    assert limiter.enabled is False
    make_test_app(tmp_path / "on", url)
    assert limiter.enabled is True
    db.engine.dispose()  # type: ignore[union-attr]
