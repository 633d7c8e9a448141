"""Tagged PDF from HTML, with WeasyPrint (issue 20).

ReportLab (``outputs/pdf.py``) writes untagged PDF: a screen reader finds text but no headings,
tables or reading order. Packs that leave the provider are written as HTML (a template) and
turned into PDF/UA-1 here: a structure tree (``/StructTreeRoot``) with H1, H2, H3, P, Table,
TH and TD elements, the document's language (``/Lang``) from ``<html lang>``, and its title
shown in the reader's title bar (``/DisplayDocTitle``) from ``<title>``.

Only ``file:`` and ``data:`` addresses are fetched (the app's own pictures): a pack never
reaches the network, whatever its text holds (and the templates escape all of it).
"""

from __future__ import annotations

from pathlib import Path

from PIL import ImageFile
from weasyprint import HTML
from weasyprint.urls import URLFetcher

# WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when it is
# imported; photo uploads must refuse truncated data (services/media/photo_files.py refuses
# every upload while it is on), so it is turned off again here.
ImageFile.LOAD_TRUNCATED_IMAGES = False

PDF_VARIANT = "pdf/ua-1"


def pdf_language(lang: str) -> str:
    """The BCP 47 tag for ``/Lang``: British English for English, else the language code."""
    return "en-GB" if lang == "en" else lang


def render(html: str, *, base_dir: Path | None = None) -> bytes:
    """The tagged PDF (PDF/UA-1) of ``html``: title, language and headings from the HTML."""
    fetcher = URLFetcher(allowed_protocols={"file", "data"}, timeout=5)
    document = HTML(
        string=html,
        base_url=str(base_dir) + "/" if base_dir else None,
        url_fetcher=fetcher,
    )
    return bytes(document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True))
