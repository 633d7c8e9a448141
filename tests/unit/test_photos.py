"""Photos: bad files refused with a clear message or cleaned, never a crash; memory bounded;
the records (alt text required, soft removal, audit) on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from facilitator.models import AuditEvent, Photo
from facilitator.services import NotFound, ServiceError
from facilitator.services.media import photo_files, photos, storage

from . import factories

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "fixtures" / "bad_files"
sys.path.insert(0, str(ROOT / "scripts"))
import make_bad_files  # noqa: E402

REFUSED = {
    "truncated.jpg": "damaged",
    "oversized.png": "too-many-pixels",
    "bomb.png": "too-many-pixels",
    "svg-renamed.png": "not-a-photo",
    "html-renamed.png": "not-a-photo",
    "animation.gif": "not-a-photo",
    "empty.png": "empty",
}
CLEANED = ("gps.jpg", "rotated.jpg", "cmyk.jpg", "alpha-text.png", "jpeg-with-html-tail.jpg")


def _clean(name: str, folder: Path | None = None, **limits: int) -> photo_files.CleanPhoto:
    with (BAD / name).open("rb") as handle:
        return photo_files.clean_upload(handle, **limits)


def _stored(folder: Path, clean: photo_files.CleanPhoto, size: str = "large") -> io.BytesIO:
    return io.BytesIO(clean.files[size])


def _jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 140, 90)).save(out, "JPEG")
    return out.getvalue()


# --- the bad files --------------------------------------------------------------------------


def test_the_script_makes_the_committed_set_of_small_files(tmp_path: Path) -> None:
    make_bad_files.main(tmp_path)
    made = {p.name for p in tmp_path.iterdir()}
    assert made == {p.name for p in BAD.iterdir()} == set(REFUSED) | set(CLEANED)
    assert all(p.stat().st_size < 128 * 1024 for p in BAD.iterdir())


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_each_bad_file_is_refused_with_a_clear_message(name: str, tmp_path: Path) -> None:
    with pytest.raises(photo_files.PhotoRefused) as refused:
        _clean(name, tmp_path)
    assert refused.value.kind == REFUSED[name]
    message = str(refused.value)
    assert len(message) > 40 and ("Please" in message or "Choose" in message or "Save" in message)
    assert not list(tmp_path.glob("*")), "nothing is written for a refused file"


def test_messages_say_which_limit(tmp_path: Path) -> None:
    with pytest.raises(photo_files.PhotoRefused, match="more than 25 million"):
        _clean("oversized.png", tmp_path)
    with pytest.raises(photo_files.PhotoRefused, match="JPEG, PNG or WebP"):
        _clean("svg-renamed.png", tmp_path)
    with pytest.raises(photo_files.PhotoRefused, match="larger than 1 MB"):
        photo_files.clean_upload(io.BytesIO(b"\xff\xd8" + b"\0" * (1024 * 1024)),
                            max_bytes=1024 * 1024)  # fmt: skip


def test_over_the_byte_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    class Endless(io.RawIOBase):
        """An upload that never ends; counts what was read."""

        read_bytes = 0

        def read(self, size: int = -1) -> bytes:
            size = photo_files.CHUNK if size is None or size < 0 else size
            self.read_bytes += size
            return b"\xff" * size

    stream = Endless()
    with pytest.raises(photo_files.PhotoRefused) as refused:
        photo_files.clean_upload(stream, max_bytes=2 * 1024 * 1024)  # type: ignore[arg-type]
    assert refused.value.kind == "too-many-bytes"
    assert stream.read_bytes <= 2 * 1024 * 1024 + photo_files.CHUNK


def test_gps_and_all_metadata_are_gone_after_upload(tmp_path: Path) -> None:
    with Image.open(BAD / "gps.jpg") as original:
        assert original.getexif().get_ifd(0x8825), "the fixture really carries GPS"
        assert "icc_profile" in original.info
    clean = _clean("gps.jpg", tmp_path)
    for size in photo_files.SIZES:
        path = _stored(tmp_path, clean, size)
        with Image.open(path) as stored:
            assert stored.format == "JPEG"
            assert len(stored.getexif()) == 0
            assert stored.getexif().get_ifd(0x8825) == {}
            assert not {"exif", "icc_profile", "xmp", "comment"} & set(stored.info)
        raw = path.getvalue()
        for leak in (b"Exif", b"PhoneMaker", b"Acacia", b"xmpmeta", b"GPS"):
            assert leak not in raw


def test_exif_rotated_photo_comes_out_upright(tmp_path: Path) -> None:
    clean = _clean("rotated.jpg", tmp_path)
    assert (clean.width, clean.height) == (80, 120)  # stored 120 x 80, shown turned
    with Image.open(_stored(tmp_path, clean)) as stored:
        assert stored.size == (80, 120)
        top = stored.getpixel((40, 10))
        bottom = stored.getpixel((40, 110))
        assert top[0] > 200 and top[2] < 60  # red at the top
        assert bottom[2] > 200 and bottom[0] < 60  # blue below


def test_transparency_is_flattened_and_png_text_dropped(tmp_path: Path) -> None:
    clean = _clean("alpha-text.png", tmp_path)
    with Image.open(_stored(tmp_path, clean)) as stored:
        assert stored.mode == "RGB" and stored.format == "JPEG"
        assert min(stored.getpixel((2, 2))) > 240  # transparent corner on white
        assert "Comment" not in stored.info
    assert b"Acacia" not in _stored(tmp_path, clean).getvalue()


def test_anything_after_the_image_is_not_kept(tmp_path: Path) -> None:
    clean = _clean("jpeg-with-html-tail.jpg", tmp_path)
    for size in photo_files.SIZES:
        assert b"<script" not in _stored(tmp_path, clean, size).getvalue()


def test_cmyk_becomes_rgb(tmp_path: Path) -> None:
    clean = _clean("cmyk.jpg", tmp_path)
    with Image.open(_stored(tmp_path, clean)) as stored:
        assert stored.mode == "RGB"


def test_sizes_random_names_and_private_files(tmp_path: Path) -> None:
    first = photo_files.clean_upload(io.BytesIO(_jpeg(2000, 1000)))
    second = photo_files.clean_upload(io.BytesIO(_jpeg(2000, 1000)))
    assert first.file_stem != second.file_stem and len(first.file_stem) == 32
    expected = {"thumb": (240, 120), "prompt": (720, 360), "large": (1600, 800)}
    for size, dimensions in expected.items():
        path = _stored(tmp_path, first, size)
        with Image.open(path) as stored:
            assert stored.size == dimensions
    assert (first.width, first.height) == (1600, 800)
    assert photo_files.file_keys(first.file_stem) == [
        f"{first.file_stem}-{size}.jpg" for size in ("thumb", "prompt", "large")
    ]


def test_small_photos_are_not_enlarged(tmp_path: Path) -> None:
    clean = photo_files.clean_upload(io.BytesIO(_jpeg(100, 50)))
    with Image.open(_stored(tmp_path, clean, "large")) as stored:
        assert stored.size == (100, 50)


def test_a_webp_is_accepted_and_stored_as_jpeg(tmp_path: Path) -> None:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 10, 10)).save(out, "WEBP")
    out.seek(0)
    clean = photo_files.clean_upload(out)
    with Image.open(_stored(tmp_path, clean)) as stored:
        assert stored.format == "JPEG" and stored.size == (300, 200)


# --- memory ---------------------------------------------------------------------------------

# Stated bounds on the growth of the process's peak memory (VmHWM: each file is measured in a
# process of its own, and not with ru_maxrss, which a child keeps from its parent across exec,
# hiding any growth below the test runner's own peak). A refused bomb or oversized
# file is refused from its header, so it costs almost nothing; a 20-million-pixel JPEG is
# decoded at half scale (draft mode), a 20-million-pixel PNG in full (60 MB of RGB), and each
# smaller size is made from the one before, so there is one full-size copy at a time.
BOMB_BOUND_MB = 25
LARGE_PHOTO_BOUND_MB = 120


def _peak_growth(tmp_path: Path, *files: Path) -> dict[str, list]:  # type: ignore[type-arg]
    """{name: [outcome, growth of the peak in MiB]}, each file in a process of its own."""
    return {file.name: _peak_alone(tmp_path, file) for file in files}


def test_bombs_and_huge_pixel_counts_keep_memory_bounded(tmp_path: Path) -> None:
    results = _peak_growth(tmp_path, BAD / "bomb.png", BAD / "oversized.png")
    assert results["bomb.png"][0] == "too-many-pixels"
    assert results["oversized.png"][0] == "too-many-pixels"
    # Decoding the bomb would take 900 MB (8-bit) at least; refusing it takes almost nothing.
    assert results["bomb.png"][1] < BOMB_BOUND_MB, results
    assert results["oversized.png"][1] < BOMB_BOUND_MB, results


def test_a_large_acceptable_photo_keeps_memory_bounded(tmp_path: Path) -> None:
    large = tmp_path / "large.jpg"
    shade = Image.linear_gradient("L").resize((5000, 4000))
    Image.merge("RGB", (shade, shade.transpose(Image.Transpose.ROTATE_180), shade)).save(
        large, "JPEG", quality=80
    )
    assert large.stat().st_size < photo_files.DEFAULT_MAX_BYTES
    # A PNG cannot be decoded at a reduced scale: every pixel is decoded once.
    Image.merge("RGB", (shade, shade, shade)).save(tmp_path / "large.png")
    results = _peak_growth(tmp_path, large, tmp_path / "large.png")
    assert results["large.jpg"][0] == results["large.png"][0] == "stored"
    assert results["large.jpg"][1] < LARGE_PHOTO_BOUND_MB, results
    assert results["large.png"][1] < LARGE_PHOTO_BOUND_MB, results


MEASURE_ONE = """
import json, sys
from pathlib import Path
from facilitator.services.media import photo_files

def peak():  # this process's own peak (VmHWM): ru_maxrss keeps the parent's across exec
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

before = peak()
try:
    with open(sys.argv[2], "rb") as handle:
        photo_files.clean_upload(handle)
    outcome = "stored"
except photo_files.PhotoRefused as refused:
    outcome = refused.kind
print(json.dumps([outcome, peak() - before]))
"""
# The same, with THREADS uploads of the file at once (a gthread worker serves several requests).
MEASURE_THREADS = MEASURE_ONE.replace(
    """try:
    with open""",
    """import threading
outcomes = []
def one():
    try:
        with open(sys.argv[2], "rb") as handle:
            photo_files.clean_upload(handle)
        outcomes.append("stored")
    except photo_files.PhotoRefused as refused:
        outcomes.append(refused.kind)
threads = [threading.Thread(target=one) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps([",".join(sorted(set(outcomes))), peak() - before]))
raise SystemExit
try:
    with open""",
)


def _peak_alone(tmp_path: Path, file: Path) -> list:  # type: ignore[type-arg]
    """[outcome, growth of the peak in MiB] for one file, in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE_ONE, str(tmp_path / "out"), str(file)],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# A photo exactly at the pixel limit its format is allowed, in the worst mode for that format
# (transparency), costs at most this much more memory than the worker already had. Before the
# fix, a 25-million-pixel PNG with transparency took 328 MiB and a WebP 522 MiB.
AT_LIMIT_BOUND_MB = 150
FOUR_AT_ONCE_BOUND_MB = 200


def test_a_photo_exactly_at_the_pixel_limit_keeps_memory_bounded(tmp_path: Path) -> None:
    side = int(photo_files.DEFAULT_MAX_PIXELS**0.5)
    assert side * side == photo_files.DEFAULT_MAX_PIXELS
    shade = Image.linear_gradient("L").resize((side, side))
    bands = (shade, shade.transpose(Image.Transpose.ROTATE_180), shade)
    Image.merge("RGB", bands).save(tmp_path / "limit.jpg", "JPEG", quality=80)
    with_alpha = Image.merge("RGBA", (*bands, shade.transpose(Image.Transpose.ROTATE_90)))
    with_alpha.save(tmp_path / "limit.png")
    with_alpha.save(tmp_path / "limit-25mp.webp", "WEBP", quality=60)
    webp_side = int(photo_files.WEBP_MAX_PIXELS**0.5)  # a WebP is decoded in full, so it has less
    with_alpha.resize((webp_side, webp_side)).save(tmp_path / "limit.webp", "WEBP", quality=60)
    for name in ("limit.jpg", "limit.png", "limit-25mp.webp", "limit.webp"):
        assert (tmp_path / name).stat().st_size < photo_files.DEFAULT_MAX_BYTES
        outcome, growth = _peak_alone(tmp_path, tmp_path / name)
        expected = ("stored", "too-many-pixels") if name == "limit-25mp.webp" else ("stored",)
        assert outcome in expected, (name, outcome)
        assert growth < AT_LIMIT_BOUND_MB, (name, growth)


def test_uploads_at_once_in_one_worker_are_decoded_one_at_a_time(tmp_path: Path) -> None:
    """Four uploads at the limit at once in one process (four threads of a gthread worker)
    cost what one does: the decoding is done one at a time."""
    side = int(photo_files.DEFAULT_MAX_PIXELS**0.5)
    shade = Image.linear_gradient("L").resize((side, side))
    Image.merge("RGBA", (shade, shade, shade, shade.transpose(Image.Transpose.ROTATE_90))).save(
        tmp_path / "limit.png"
    )
    done = subprocess.run(
        [sys.executable, "-c", MEASURE_THREADS, str(tmp_path / "out"), str(tmp_path / "limit.png")],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=True,
    )  # fmt: skip
    outcome, growth = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == "stored"
    # 169 MiB (each thread's malloc arena keeps a little); decoded together, they took 498.
    assert growth < FOUR_AT_ONCE_BOUND_MB, growth


# --- the records ----------------------------------------------------------------------------


@pytest.mark.db
def test_add_list_remove_with_audit(session: Session) -> None:
    staff = factories.user(session)
    sam = factories.person(session, staff)
    with (BAD / "gps.jpg").open("rb") as handle:
        photo = photos.add_photo(
            session, sam, handle, actor=staff,
            alt_text="  Sam's front door,\n painted blue ", label="My flat", stands_for="house",
        )  # fmt: skip
    session.commit()
    assert photo.alt_text == "Sam's front door, painted blue"
    assert photo.uploaded_by_id == staff.id and len(photo.public_id) >= 20
    assert photos.photos_for_person(session, sam.id) == [photo]
    assert photos.get_photo(session, photo.public_id, sam.id) is photo
    other = factories.person(session, staff, "Ellis")
    with pytest.raises(NotFound):
        photos.get_photo(session, photo.public_id, other.id)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == sam.id))
    assert "photo.added" in list(actions)

    photos.remove_photo(session, photo, actor=staff)
    session.commit()
    assert photo.removed and photo.removed_by_id == staff.id
    assert storage.keys_starting(session, photo.file_stem) == []
    assert photos.photos_for_person(session, sam.id) == []
    with pytest.raises(NotFound):
        photos.get_photo(session, photo.public_id)
    with pytest.raises(ServiceError):
        photos.remove_photo(session, photo, actor=staff)
    assert session.scalar(select(Photo).where(Photo.id == photo.id)) is not None  # kept
    assert "photo.removed" in list(
        session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == sam.id))
    )


@pytest.mark.db
@pytest.mark.parametrize(
    ("alt", "label", "stands_for", "says"),
    [
        ("", "My flat", None, "alt text"),
        ("   ", "My flat", None, "alt text"),
        ("A door", "", None, "what the photo shows"),
        ("x" * 301, "My flat", None, "300 characters"),
        ("A door", "My flat", "tick", "from the list"),
    ],
)
def test_words_are_checked_before_the_file_is_read(
    session: Session, alt: str, label: str, stands_for: str | None, says: str
) -> None:
    staff = factories.user(session)
    sam = factories.person(session, staff)
    with pytest.raises(ServiceError, match=says):
        photos.add_photo(session, sam, io.BytesIO(_jpeg(50, 50)), actor=staff,
                         alt_text=alt, label=label, stands_for=stands_for)  # fmt: skip
    assert storage.keys_starting(session, "") == []


@pytest.mark.db
def test_a_refused_file_stores_nothing(session: Session) -> None:
    staff = factories.user(session)
    sam = factories.person(session, staff)
    with (BAD / "html-renamed.png").open("rb") as handle, pytest.raises(photo_files.PhotoRefused):
        photos.add_photo(session, sam, handle, actor=staff, alt_text="A", label="B")
    session.rollback()
    assert session.scalar(select(Photo)) is None and storage.keys_starting(session, "") == []


@pytest.mark.db
def test_photos_stand_for_pictures_only_with_the_photos_setting(
    session: Session,
) -> None:
    staff = factories.user(session)
    sam = factories.person(session, staff)
    ellis = factories.person(session, staff, "Ellis")
    older = photos.add_photo(session, sam, io.BytesIO(_jpeg(60, 40)), actor=staff,
                             alt_text="Old door", label="Old flat", stands_for="house")  # fmt: skip
    newer = photos.add_photo(session, sam, io.BytesIO(_jpeg(60, 40)), actor=staff,
                             alt_text="New door", label="My flat", stands_for="house")  # fmt: skip
    photos.add_photo(session, sam, io.BytesIO(_jpeg(60, 40)), actor=staff,
                     alt_text="Just a photo", label="Garden")  # fmt: skip
    photos.add_photo(session, ellis, io.BytesIO(_jpeg(60, 40)), actor=staff,
                     alt_text="Ellis's key worker", label="Jo", stands_for="staff")  # fmt: skip
    session.commit()
    assert photos.standing_photos(session, sam) == {}  # the default setting is pictures
    sam.settings = {**sam.settings, "pictures": "photos"}
    session.commit()
    assert photos.standing_photos(session, sam) == {"house": newer}
    photos.remove_photo(session, newer, actor=staff)
    assert photos.standing_photos(session, sam) == {"house": older}
    assert photos.erase_files_for_person(session, sam.id) == 3
    assert len(storage.keys_starting(session, "")) == 3  # Ellis's photo only
