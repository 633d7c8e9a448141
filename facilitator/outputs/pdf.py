"""PDFs of the review record and of the easy-read 'You said, we did', with ReportLab.

This module lays out; it writes no words of its own. Callers build a list of blocks
(headings, paragraphs, ideas with a picture beside them) with their text already in the
reader's language, and :func:`render` turns them into a PDF. Pictures are the app's SVG
picture set, drawn by svglib as vector Form XObjects: each picture is stored once however
often it appears, stays sharp at any size, and can be found in the file (``/Pic-<key>``).

Everything typed by a person is escaped before ReportLab's paragraph mark-up sees it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import reportlab
from reportlab.graphics import renderPDF
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from svglib.svglib import svg2rlg

# Fonts with the Welsh letters (ŵ ŷ) and more of Unicode than the PDF base fonts; DejaVu comes
# with Debian's fontconfig, Vera with ReportLab itself as the last resort.
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/TTF/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
)  # fmt: skip
REGULAR = "Facilitator"
BOLD = "Facilitator-Bold"


@cache
def _fonts() -> tuple[str, str]:
    bundled = Path(reportlab.__file__).parent / "fonts"
    candidates = [*FONT_CANDIDATES, (str(bundled / "Vera.ttf"), str(bundled / "VeraBd.ttf"))]
    for regular, bold in candidates:
        if Path(regular).is_file() and Path(bold).is_file():
            pdfmetrics.registerFont(TTFont(REGULAR, regular))
            pdfmetrics.registerFont(TTFont(BOLD, bold))
            pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
            return REGULAR, BOLD
    return "Helvetica", "Helvetica-Bold"  # pragma: no cover - ReportLab always ships Vera


# --- blocks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    """A paragraph of plain text (never mark-up). ``style``: body, muted, quote, small, strong."""

    text: str
    style: str = "body"


@dataclass(frozen=True)
class Idea:
    """One idea with its picture beside it (the easy-read layout)."""

    picture: str | None
    lines: Sequence[Heading | Para] = field(default_factory=tuple)
    boxed: bool = False


@dataclass(frozen=True)
class Break:
    """Start a new page."""


Block = Heading | Para | Idea | Break


# --- pictures -------------------------------------------------------------------------------


@cache
def _drawing(path: str) -> Any:
    return svg2rlg(path)


class Picture(Flowable):  # type: ignore[misc]
    """An SVG picture drawn once into the PDF as a Form XObject, then placed at any size."""

    def __init__(self, key: str, path: Path, size: float) -> None:
        super().__init__()
        self.key = key
        self.path = path
        self.size = size
        self.width = self.height = size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        drawing = _drawing(str(self.path))
        if drawing is None or not drawing.width:
            return
        name = f"Pic-{self.key}"
        canvas = self.canv
        if not canvas.hasForm(name):
            canvas.beginForm(name, 0, 0, drawing.width, drawing.height)
            renderPDF.draw(drawing, canvas, 0, 0)
            canvas.endForm()
        scale = self.size / max(drawing.width, drawing.height)
        canvas.saveState()
        canvas.scale(scale, scale)
        canvas.doForm(name)
        canvas.restoreState()


# --- styles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Look:
    """Sizes for one kind of document."""

    body: float
    picture: float
    leading: float = 1.35


RECORD = Look(body=11, picture=0.9 * cm)
EASY_READ = Look(body=18, picture=3.2 * cm, leading=1.4)


def _styles(look: Look) -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    body = look.body

    def style(name: str, size: float, font: str = regular, **extra: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name, fontName=font, fontSize=size, leading=size * look.leading,
            alignment=TA_LEFT, spaceAfter=size * 0.4, **extra,
        )  # fmt: skip

    return {
        "h1": style("h1", body * 1.9, bold, spaceBefore=0),
        "h2": style("h2", body * 1.4, bold, spaceBefore=body),
        "h3": style("h3", body * 1.15, bold, spaceBefore=body * 0.6),
        "body": style("body", body),
        "strong": style("strong", body, bold),
        "muted": style("muted", body * 0.9, textColor=colors.HexColor("#444444")),
        "small": style("small", max(body * 0.8, 8), textColor=colors.HexColor("#444444")),
        "quote": style(
            "quote",
            body,
            leftIndent=body,
            borderPadding=(2, 4, 2, 6),
            borderColor=colors.HexColor("#1d70b8"),
            borderWidth=0,
            borderLeftWidth=3,
        ),  # fmt: skip
    }


def _paragraph(block: Heading | Para, styles: dict[str, ParagraphStyle]) -> Paragraph:
    text = escape(block.text).replace("\n", "<br/>")
    if isinstance(block, Heading):
        return Paragraph(text, styles[f"h{min(max(block.level, 1), 3)}"])
    return Paragraph(text, styles.get(block.style, styles["body"]))


def _idea(block: Idea, styles: dict[str, ParagraphStyle], look: Look, pictures: Path,
          width: float, photos: Mapping[str, bytes] | None = None) -> Flowable:  # fmt: skip
    picture: Flowable = Spacer(look.picture, look.picture)
    photo = (photos or {}).get(block.picture or "")
    if photo:
        # The person's own photo (a re-encoded JPEG, from the file store) in place of the
        # picture it stands for.
        picture = Image(
            io.BytesIO(photo), width=look.picture, height=look.picture, kind="proportional"
        )
    elif block.picture and (pictures / f"{block.picture}.svg").is_file():
        picture = Picture(block.picture, pictures / f"{block.picture}.svg", look.picture)
    text = [_paragraph(line, styles) for line in block.lines]
    gap = look.body * 0.8
    # splitInRow: an idea longer than a page (5,000 typed characters can be) flows onto the
    # next page instead of failing the whole document.
    table = Table(
        [[picture, text]], colWidths=[look.picture + gap, width - look.picture - gap],
        splitInRow=1,
    )  # fmt: skip
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), gap),
    ]
    if block.boxed:
        commands += [
            ("BOX", (0, 0), (-1, -1), 1.5, colors.HexColor("#0b0c0c")),
            ("LEFTPADDING", (0, 0), (-1, -1), gap),
            ("TOPPADDING", (0, 0), (-1, -1), gap),
        ]
    table.setStyle(TableStyle(commands))
    return KeepTogether([table, Spacer(1, gap)])


# --- rendering ------------------------------------------------------------------------------


def render(
    blocks: Sequence[Block],
    *,
    title: str,
    author: str,
    subject: str,
    pictures_dir: Path,
    easy_read: bool = False,
    footer: str | None = None,
    photos: Mapping[str, bytes] | None = None,
) -> bytes:
    """The PDF for ``blocks``: A4, large type and big pictures when ``easy_read``.

    ``photos`` maps picture keys to the person's own photos (JPEG bytes), drawn instead of those
    pictures (only ever the photos of the person the document is about).
    """
    look = EASY_READ if easy_read else RECORD
    styles = _styles(look)
    buffer = io.BytesIO()
    margin = 1.8 * cm
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
        bottomMargin=margin + 0.6 * cm, title=title, author=author, subject=subject,
        creator="Facilitator",
    )  # fmt: skip
    width = A4[0] - 2 * margin
    story: list[Flowable] = []
    for block in blocks:
        if isinstance(block, Break):
            story.append(PageBreak())
        elif isinstance(block, Idea):
            story.append(_idea(block, styles, look, Path(pictures_dir), width, photos))
        else:
            story.append(_paragraph(block, styles))
    regular, _bold = _fonts()

    def page_footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, max(look.body * 0.7, 8))
        text = f"{footer}  ·  {doc.page}" if footer else str(doc.page)
        canvas.drawString(margin, margin * 0.6, text)
        canvas.restoreState()

    document.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return buffer.getvalue()
