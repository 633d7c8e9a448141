"""A person's photos: staff upload, list and remove them; the files are served only to those
allowed to see that person.

Who sees a photo (``photo_files.file``): staff, managers and admins; an advocate assigned to
the person. A tablet in person mode is locked to its review, so it reaches nothing here: it
gets the photos of *its* person through ``person_sync.photo`` under /person/ (where the
service worker keeps them offline). A family link sees no photos: a link is a bearer token
that can be forwarded, the photos show the person's home and the people around them, and a
family member needs none of them to give their view (UK GDPR data minimisation). The
family's pages keep the pictograms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ...auth import STAFF_ROLES, current_account, roles_required
from ...errors import render_error
from ...extensions import db, limiter
from ...forms.fields import Unreadable
from ...forms.media import PhotoForm
from ...models import Person, Photo
from ...services import ServiceError, people
from ...services.media import photos, storage
from ...services.media.photo_files import SIZES, file_key
from .. import edge
from .uploads import send_private, upload_limit, uploader_key

bp = Blueprint("photos", __name__, url_prefix="/staff/people/<int:person_id>/photos")
files = Blueprint("photo_files", __name__, url_prefix="/photos")

# What a photo can stand for, as staff read it (the keys are picture keys of the library).
STANDS_FOR_LABELS: dict[str, Any] = {
    "house": _l("Their home"),
    "house-with-garden": _l("Their home (with a garden)"),
    "bed": _l("Their bedroom"),
    "staff": _l("Their key worker or support staff"),
    "handshake": _l("Their support"),
    "people": _l("People they live with"),
    "people-hugging": _l("The people in their life"),
    "family": _l("Their family"),
    "friends": _l("Their friends"),
    "partner": _l("Their partner"),
    "neighbours": _l("Their neighbours"),
    "pets": _l("Their pet"),
    "work": _l("Their day centre or work"),
    "college": _l("Their college"),
    "volunteering": _l("Their volunteering"),
    "doctor": _l("Their doctor"),
    "stethoscope": _l("Their health"),
    "medicine": _l("Their medicine"),
    "plate": _l("Their food"),
    "cooking": _l("Cooking"),
    "shopping": _l("Their shops"),
    "bus": _l("Their bus or transport"),
    "walking": _l("Going out for a walk"),
    "things-i-enjoy": _l("Things they enjoy"),
    "music": _l("Music"),
    "art": _l("Art"),
    "sport": _l("Sport"),
    "swimming": _l("Swimming"),
    "gardening": _l("Gardening"),
    "seaside": _l("The seaside"),
    "visits": _l("Visits"),
}
assert set(STANDS_FOR_LABELS) == set(photos.STANDS_FOR_KEYS)


# --- addresses and pictures for templates ---------------------------------------------------------


@files.app_template_global()
def photo_url(photo: Photo, size: str = "prompt") -> str:
    """The address of one stored size of a photo for whoever is looking: a tablet in person
    mode has its own address under /person/ (kept offline by the service worker)."""
    if current_user.is_authenticated and current_user.person_mode_review_id:
        return url_for("person_sync.photo", public_id=photo.public_id, size=size)
    return url_for("photo_files.file", public_id=photo.public_id, size=size)


@files.app_template_global()
def photo_box(photo: Photo, longest: int) -> tuple[int, int]:
    """The width and height of a photo shown within ``longest`` px (for img attributes)."""
    scale = min(1.0, longest / max(photo.width, photo.height, 1))
    return max(1, round(photo.width * scale)), max(1, round(photo.height * scale))


def picture_functions(
    person: Person, picture_url: Callable[[str], str | None], size: str = "prompt"
) -> tuple[Callable[[str | None], str | None], Callable[[str | None], str]]:
    """``picture(key)`` and ``picture_alt(key)`` for the pages of one person's review.

    With the person's "photos" setting, a key that one of their photos stands for gives the
    photo and its alt text; any other key gives the pictogram (and an empty alt: the words
    beside a pictogram already say what it means).
    """
    standing = photos.standing_photos(db.session, person)

    def picture(key: str | None) -> str | None:
        if key and key in standing:
            return photo_url(standing[key], size)
        return picture_url(key) if key else None

    def picture_alt(key: str | None) -> str:
        photo = standing.get(key or "")
        return photo.alt_text if photo else ""

    return picture, picture_alt


def static_picture(key: str) -> str:
    """A pictogram of the normal set (staff pages and outputs)."""
    return url_for("static", filename=f"vendor/pictures/flat/{key}.svg")


def picture_context(person: Person, size: str = "thumb") -> dict[str, Any]:
    """``picture`` and ``picture_alt`` for a staff page or output about one person."""
    picture, picture_alt = picture_functions(person, static_picture, size)
    return {"picture": picture, "picture_alt": picture_alt}


def photo_files(person: Person, size: str = "prompt") -> dict[str, bytes]:
    """Picture key -> the JPEG of the person's photo standing for it (for PDFs), when their
    setting is "photos"."""
    found = {}
    for key, photo in photos.standing_photos(db.session, person).items():
        blob = storage.get(db.session, file_key(photo.file_stem, size))
        if blob is not None:
            found[key] = blob.body
    return found


def send_photo(photo: Photo, size: str) -> Response:
    """One stored size of a photo (404 for a size that is not kept)."""
    if size not in SIZES:
        abort(404)
    return send_private(file_key(photo.file_stem, size), "image/jpeg", "photo.jpg")


@files.route("/<public_id>/<size>.jpg")
@login_required
def file(public_id: str, size: str) -> Response:
    """A photo for staff and the person's assigned advocate (404 for anyone else)."""
    photo = photos.get_photo(db.session, public_id)
    if not photos.may_see(db.session, current_account(), photo.person_id):
        abort(404)  # not 403: whether a photo exists is itself not for them
    return send_photo(photo, size)


# --- staff pages ------------------------------------------------------------------------------


def _page(person: Person, form: PhotoForm, error: str | None = None) -> str:
    return render_template(
        "photos/index.html",
        person=person,
        photos=photos.photos_for_person(db.session, person.id),
        stands_for=STANDS_FOR_LABELS,
        error=error,
        form=form,
        max_megabytes=f"{current_app.config['PHOTO_MAX_BYTES'] / (1024 * 1024):g}",
        uses_photos=person.setting("pictures") == "photos",
        flag=people.communication_flag(person),
    )


@bp.route("/", methods=["GET"])
@roles_required(*STAFF_ROLES)
def index(person_id: int) -> str:
    """The person's photos, and the form to add one."""
    return _page(people.get_person(db.session, person_id), PhotoForm(formdata=None))


@bp.route("/", methods=["POST"])
@roles_required(*STAFF_ROLES)
@limiter.limit(upload_limit, key_func=uploader_key)
def upload(person_id: int) -> Response:
    """Add a photo: the file, alt text and what it shows are required."""
    person = people.get_person(db.session, person_id)
    form = PhotoForm()

    def refused(error: ServiceError) -> str:
        message = str(error)
        if form.file_chosen:
            message += " " + _("For your safety the file is not kept: choose it again.")
        return _page(person, form, message)

    edge.on_refusal(refused)
    if not form.validate():
        raise Unreadable(form)
    photos.add_photo(
        db.session, person, form.photo.data.stream, actor=current_account(),
        alt_text=form.alt_text.data or "", label=form.label.data or "",
        stands_for=form.stands_for.data or None,
        max_bytes=int(current_app.config["PHOTO_MAX_BYTES"]),
        max_pixels=int(current_app.config["PHOTO_MAX_PIXELS"]),
    )  # fmt: skip
    flash(_("The photo is added."), "success")
    return redirect(url_for("photos.index", person_id=person.id), code=303)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    """A request past MAX_CONTENT_LENGTH is refused before it is read: say so on the page."""
    person = db.session.get(Person, (request.view_args or {}).get("person_id", 0))
    if person is None:
        return render_error(404)  # an error handler's own refusal would be a 500
    message = _(
        "The file is larger than %(size)s MB. Please send a smaller copy of the photo "
        "(most phones can share a 'medium' or 'large' size instead of the original).",
        size=f"{current_app.config['PHOTO_MAX_BYTES'] / (1024 * 1024):g}",
    )
    message += " " + _("Please type the description again: it could not be read with the file.")
    return _page(person, PhotoForm(formdata=None), message), 413


@bp.route("/<public_id>/remove", methods=["POST"])
@roles_required(*STAFF_ROLES)
def remove(person_id: int, public_id: str) -> Response:
    """Remove a photo: it is no longer shown anywhere, its files are deleted, the record of
    who added and removed it stays."""
    person = people.get_person(db.session, person_id)
    photo = photos.get_photo(db.session, public_id, person.id)
    edge.refusal_returns_to(url_for("photos.index", person_id=person.id))
    photos.remove_photo(db.session, photo, actor=current_account())
    flash(_("The photo is removed."), "success")
    return redirect(url_for("photos.index", person_id=person.id), code=303)
