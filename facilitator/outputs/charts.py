"""Charts drawn on the server as accessible SVG: no script, no colour-only meaning.

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>`` (the
description reads out every value), with values written beside the bars and a second series
told apart by a hatched pattern as well as colour. Templates show the same data in a table.
Every text is escaped: labels may be names typed by staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 230
VALUE_ROOM = 60
BAR_HEIGHT = 22
GAP = 14
FONT = 15
FILLS = ("#1d4f91", "#00703c")
TEXT = "#0b0c0c"


@dataclass(frozen=True)
class Series:
    """One set of values, one per label."""

    name: str
    values: Sequence[int | float]


@dataclass(frozen=True)
class Chart:
    """A chart and the table of its data."""

    chart_id: str
    title: str
    description: str
    labels: Sequence[str]
    series: Sequence[Series]
    svg: Markup = field(default=Markup(""))

    @property
    def rows(self) -> list[tuple[str, list[int | float]]]:
        """The data table: one row per label, one column per series."""
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]


def _fmt(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _described(description: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    parts = []
    for s in series:
        values = ", ".join(f"{label} {_fmt(s.values[i])}" for i, label in enumerate(labels))
        parts.append(f"{s.name}: {values}." if len(series) > 1 else f"{values}.")
    return " ".join([description, *parts]).strip()


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
) -> Chart:
    """A horizontal bar chart (one or two series) with its accessible name and description."""
    if not series or any(len(s.values) != len(labels) for s in series):
        raise ValueError("every series needs one value per label")
    if len(series) > len(FILLS):
        raise ValueError(f"at most {len(FILLS)} series")
    cid = escape(chart_id)
    top = 36 if len(series) > 1 else 8
    group = BAR_HEIGHT * len(series) + GAP
    height = top + group * max(1, len(labels)) + 4
    biggest = max([v for s in series for v in s.values] + [1])
    scale = (WIDTH - LABEL_WIDTH - VALUE_ROOM) / biggest
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{cid}-title {cid}-desc" focusable="false">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(_described(description, labels, series))}</desc>',
        "<defs>"
        f'<pattern id="{cid}-hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="8" height="8" fill="#ffffff"/><rect width="4" height="8" fill="{FILLS[1]}"/>'
        "</pattern></defs>",
    ]
    fills = [FILLS[0], f"url(#{cid}-hatch)"]
    if len(series) > 1:
        x = LABEL_WIDTH
        for i, s in enumerate(series):
            out.append(
                f'<rect x="{x}" y="6" width="18" height="18" fill="{fills[i]}" '
                f'stroke="{TEXT}" stroke-width="1"/>'
                f'<text x="{x + 24}" y="20" font-size="{FONT}" fill="{TEXT}">'
                f"{escape(s.name)}</text>"
            )
            x += 30 + 9 * len(s.name)
    for row, label in enumerate(labels):
        y0 = top + row * group
        middle = y0 + (BAR_HEIGHT * len(series)) / 2 + FONT / 3
        out.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end" '
            f'font-size="{FONT}" fill="{TEXT}">{escape(label)}</text>'
        )
        for i, s in enumerate(series):
            value = s.values[row]
            y = y0 + i * BAR_HEIGHT
            width = max(0.0, value * scale)
            out.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT - 4}" '
                f'fill="{fills[i]}" stroke="{TEXT}" stroke-width="1"/>'
                f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR_HEIGHT - 8}" '
                f'font-size="{FONT}" fill="{TEXT}">{escape(_fmt(value))}</text>'
            )
    out.append(
        f'<line x1="{LABEL_WIDTH}" y1="{top - 2}" x2="{LABEL_WIDTH}" y2="{height - 2}" '
        f'stroke="{TEXT}" stroke-width="2"/></svg>'
    )
    return Chart(
        chart_id,
        title,
        description,
        list(labels),
        list(series),
        Markup("".join(out)),  # noqa: S704
    )
