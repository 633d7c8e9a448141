"""The evidence pack written out (issue 20): PDF (tagged), CSV and JSON, with the same content.

Every count goes through ``services/reporting/small_numbers.py`` here, once, so no output of the
pack shows a number from 1 to 4. Call inside the pack's locale (``force_locale``): the words
are the pack's language, the ids stay the same in every language.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import render_template
from flask_babel import gettext as _

from ..services.audit.browse import csv_safe
from ..services.reporting import small_numbers
from ..services.reporting.evidence_pack import Pack, PackFigure
from ..services.reporting.person_pack import PersonReview
from . import tagged_pdf
from .pictures import pictures_dir

CSV_COLUMNS = (
    "period_start", "period_end", "service", "key_question", "cqc_quality_statement",
    "quality_statement", "section_id", "section", "figure_id", "figure", "breakdown_id",
    "breakdown", "value", "out_of", "percent",
)  # fmt: skip


def figure_cells(f: PackFigure) -> dict[str, Any]:
    """A figure as the reader sees it: value, out of and percent with small numbers hidden."""
    return {
        "value": small_numbers.shown(f.value),
        "out_of": small_numbers.shown(f.whole),
        "percent": small_numbers.percent(f.value, f.whole),
    }


# Sections shown as one row per figure and one column per breakdown (the quarters of a trend).
PIVOTED = frozenset({"trends"})


def pivot(section: Any) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """A section's figures as a grid: the breakdowns' words as columns, a row per figure; a
    share's cell is "part / whole". Small numbers hidden as everywhere else."""
    columns: list[str] = []
    rows: dict[str, tuple[str, list[str]]] = {}
    for f in section.figures:
        column = str(f.breakdown_label)
        if column not in columns:
            columns.append(column)
        cell = small_numbers.shown(f.value)
        if f.whole is not None:
            cell = f"{cell} / {small_numbers.shown(f.whole)}"
        rows.setdefault(f.figure, (str(f.label), []))[1].append(cell)
    return columns, list(rows.values())


def service_words(pack: Pack) -> str:
    return pack.service_label or _("All the services in this pack")


def to_csv(pack: Pack) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for section, f in pack.rows():
        cells = figure_cells(f)
        writer.writerow(
            csv_safe(v)
            for v in (
                pack.period.start.isoformat(),
                pack.period.end.isoformat(),
                service_words(pack),
                str(section.statement.key_question),
                section.statement.english,
                str(section.statement.name),
                section.key,
                str(section.title),
                f.figure,
                str(f.label),
                f.breakdown,
                str(f.breakdown_label),
                cells["value"],
                cells["out_of"],
                "" if cells["percent"] is None else cells["percent"],
            )
        )
    return buffer.getvalue()


def to_data(pack: Pack, lang: str) -> dict[str, Any]:
    return {
        "title": _("Evidence pack"),
        "language": tagged_pdf.pdf_language(lang),
        "period": {"start": pack.period.start.isoformat(), "end": pack.period.end.isoformat()},
        "service": service_words(pack),
        "as_of": pack.as_of.isoformat(),
        "made_at": pack.made_at.isoformat(timespec="seconds"),
        "small_numbers": _("Numbers from 1 to 4 are shown as “fewer than 5”."),
        "sections": [
            {
                "id": s.key,
                "title": str(s.title),
                "about": str(s.about),
                "key_question": str(s.statement.key_question),
                "cqc_quality_statement": s.statement.english,
                "quality_statement": str(s.statement.name),
                "figures": [
                    {
                        "id": f.figure,
                        "figure": str(f.label),
                        "breakdown_id": f.breakdown or None,
                        "breakdown": str(f.breakdown_label) or None,
                        "value": small_numbers.data_value(f.value),
                        "out_of": small_numbers.data_value(f.whole),
                        "percent": small_numbers.percent(f.value, f.whole),
                    }
                    for f in s.figures
                ],
            }
            for s in pack.sections
        ],
    }


def to_json(pack: Pack, lang: str) -> str:
    return json.dumps(to_data(pack, lang), ensure_ascii=False, indent=2)


def grouped(pack: Pack) -> list[tuple[Any, list[Any]]]:
    """Sections under their quality statement, in the pack's order (for the PDF and page)."""
    groups: list[tuple[Any, list[Any]]] = []
    for section in pack.sections:
        if groups and groups[-1][0].key == section.statement.key:
            groups[-1][1].append(section)
        else:
            groups.append((section.statement, [section]))
    return groups


def to_html(pack: Pack, lang: str, *, author: str) -> str:
    return render_template(
        "evidence/pack.html",
        pack=pack,
        groups=grouped(pack),
        lang=lang,
        pdf_lang=tagged_pdf.pdf_language(lang),
        service=service_words(pack),
        cells=figure_cells,
        pivoted=PIVOTED,
        pivot=pivot,
        author=author,
    )


def to_pdf(pack: Pack, lang: str, *, author: str) -> bytes:
    return tagged_pdf.render(to_html(pack, lang, author=author))


def person_pdf(person: Any, reviews: list[PersonReview], helpers: Any, lang: str, *,
               author: str, photos: dict[str, str] | None = None) -> bytes:  # fmt: skip
    """The person's own pack in easy read: their reviews, with a picture beside each idea.

    Their own numbers are not hidden: it is their own record, and easy read gives numbers as
    digits (the small-numbers rule protects people counted in figures that leave the provider).
    """
    folder = pictures_dir()
    html = render_template(
        "evidence/person_pack.html",
        person=person,
        reviews=reviews,
        helpers=helpers,
        lang=lang,
        pdf_lang=tagged_pdf.pdf_language(lang),
        author=author,
        picture=lambda key: (
            (folder / f"{key}.svg").as_uri() if (folder / f"{key}.svg").is_file() else None
        ),
        photos=photos or {},
    )
    return tagged_pdf.render(html, base_dir=folder)
