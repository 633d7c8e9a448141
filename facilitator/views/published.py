"""Pages every provider must publish, open to everyone but a locked tablet (which has the
easy-read privacy notice in its own help, ``views/person/complain.py``): the accessibility
statement and the privacy notice, with its easy-read version. Linked from every page's footer.

Administrators change their text (``admin_pages``): the list of pages in every language, and
one page's text with the version it was read at; a save from an older version is refused and
both texts are shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from ..auth import current_account, roles_required
from ..extensions import db
from ..forms.published import PageForm, PageLanguageForm
from ..i18n import LANGUAGES
from ..models import Role
from ..services import ServiceError, StaleVersion, published
from ..static_cache import static_url
from . import edge

bp = Blueprint("published", __name__, url_prefix="/about")
admin_bp = Blueprint("admin_pages", __name__, url_prefix="/admin/pages")


def facts() -> published.Facts:
    """What the product's own texts say about this installation."""
    config = current_app.config
    return published.Facts(
        service_name=str(config.get("SERVICE_NAME", "Facilitator")),
        retention_years=int(config.get("RETENTION_YEARS", 8)),
    )


def picture_names() -> frozenset[str]:
    """The pictures of the set the tablet uses (``[name]`` in an easy-read page)."""
    folder = Path(current_app.static_folder or "") / "vendor" / "pictures" / "flat"
    return frozenset(p.stem for p in folder.glob("*.svg"))


def picture_url(key: str) -> str:
    return static_url(f"vendor/pictures/flat/{key}.svg")


def language() -> str:
    lang = str(get_locale() or "en")
    return lang if lang in LANGUAGES else "en"


def shown(slug: str, lang: str | None = None) -> dict[str, Any]:
    """A page, ready for the template: its pieces and the provider's contact details."""
    lang = lang or language()
    text = published.page(db.session, slug, lang, facts())
    contact = published.page(db.session, published.CONTACT, lang, facts())
    names = picture_names()
    return {
        "page": text,
        "title": published.TITLES[slug],
        "blocks": published.blocks(text.body, names),
        "contact_blocks": published.blocks(contact.body, names),
        "picture_url": picture_url,
    }


@bp.route("/accessibility")
def accessibility() -> str:
    """The accessibility statement."""
    return render_template("published/page.html", **shown(published.ACCESSIBILITY))


@bp.route("/privacy")
def privacy() -> str:
    """The privacy notice for people, families and advocates."""
    return render_template("published/page.html", **shown(published.PRIVACY))


@bp.route("/privacy/easy-read")
def privacy_easy_read() -> str:
    """The privacy notice in easy read, with pictures."""
    return render_template("published/page.html", **shown(published.PRIVACY_EASY_READ))


# --- administrators ------------------------------------------------------------------------------


@admin_bp.route("/")
@roles_required(Role.ADMIN)
def index() -> str:
    """Every published page in every language: the product's text, or whose and when."""
    return render_template(
        "published/admin_list.html",
        pages=published.pages(db.session, facts()),
        titles=published.TITLES,
        languages=LANGUAGES,
    )


def _edit_page(
    slug: str,
    lang: str,
    form: PageForm,
    error: ServiceError | None = None,
    choose: PageLanguageForm | None = None,
) -> tuple[str, int]:
    current = published.page(db.session, slug, lang, facts())
    stale = isinstance(error, StaleVersion)
    if error is not None:
        form.form_errors.append(str(error))
    if stale:
        form.version.data = str(current.version)  # saving again replaces theirs, knowingly
    elif not form.is_submitted():
        form.body.data = current.body
        form.version.data = str(current.version)
    page = render_template(
        "published/admin_edit.html",
        form=form,
        choose=choose,
        current=current,
        stale=stale,
        sent_body=form.body.data if stale else None,
        title=published.TITLES[slug],
        language_name=LANGUAGES[lang],
        slug=slug,
        lang=lang,
        view_endpoint={
            published.ACCESSIBILITY: "published.accessibility",
            published.PRIVACY: "published.privacy",
            published.PRIVACY_EASY_READ: "published.privacy_easy_read",
        }.get(slug),
    )
    return page, 409 if stale else (400 if error is not None else 200)


@admin_bp.route("/<slug>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(slug: str) -> ResponseReturnValue:
    """One page's text in one language (``?lang=``; the page's own language by default).

    The languages are chosen with a small form rather than a link each, so that one page is
    one address to sweep."""
    choose = PageLanguageForm(formdata=request.args if "lang" in request.args else None)
    if "lang" not in request.args:
        choose.lang.data = language()
    elif not choose.validate():
        published.stored(db.session, slug, "")  # NotFound: no such language
    lang = str(choose.lang.data)
    published.stored(db.session, slug, lang)  # NotFound for a page that is not
    form = PageForm()
    edge.on_refusal(lambda error: _edit_page(slug, lang, form, error, choose))
    if not form.is_submitted():
        return _edit_page(slug, lang, form, choose=choose)
    if not form.validate():  # the form shows its own messages beside its fields
        page, _status = _edit_page(slug, lang, form, choose=choose)
        return page, 400
    published.save(
        db.session,
        slug,
        lang,
        body=form.body.data,
        version=form.version.data,
        actor=current_account(),
    )
    flash(_("The page is saved."), "success")
    return redirect(url_for("admin_pages.index"), code=303)
