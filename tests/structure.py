"""The page-structure check, applied to every page the tests render (after GOV.UK Notify).

Valid HTML, exactly one <h1>, a <title> beginning with it, unique ids, every input labelled,
every image with alt text, lang set, every form with an action.
"""

from __future__ import annotations

import html5lib
from bs4 import BeautifulSoup

LABELLABLE = ("input", "select", "textarea")
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class StructureError(AssertionError):
    """A page broke one of the structure rules."""


def _parse_errors(html: str) -> list[str]:
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    parser.parse(html)
    lines = html.splitlines()

    def near(line: int, col: int) -> str:
        # What the parser stopped at, by code point: an invalid one prints as nothing.
        text = lines[line - 1][max(col - 2, 0) : col + 1] if 0 < line <= len(lines) else ""
        return " ".join(f"U+{ord(ch):04X}" for ch in text)

    return [
        f"line {pos[0]} col {pos[1]}: {code} {data or ''} (at {near(pos[0], pos[1])})"
        for pos, code, data in parser.errors
    ]


def _unique_ids(soup: BeautifulSoup) -> list[str]:
    seen: dict[str, int] = {}
    for element in soup.find_all(id=True):
        seen[element["id"]] = seen.get(element["id"], 0) + 1
    return [f"duplicate id {key!r} ({count} times)" for key, count in seen.items() if count > 1]


def _has_label(soup: BeautifulSoup, element: object) -> bool:
    el = element  # bs4 Tag
    if el.get("aria-label") or el.get("aria-labelledby") or el.get("title"):  # type: ignore[attr-defined]
        return True
    if el.find_parent("label") is not None:  # type: ignore[attr-defined]
        return True
    element_id = el.get("id")  # type: ignore[attr-defined]
    return bool(element_id and soup.find("label", attrs={"for": element_id}))


def _labels(soup: BeautifulSoup) -> list[str]:
    problems = []
    for element in soup.find_all(LABELLABLE):
        if element.name == "input" and element.get("type", "text") in UNLABELLED_INPUT_TYPES:
            continue
        if not _has_label(soup, element):
            problems.append(f"unlabelled <{element.name} name={element.get('name')!r}>")
    return problems


def check_fragment(html: str) -> list[str]:
    """Rules that also hold for an htmx partial: unique ids, labels, alt text."""
    soup = BeautifulSoup(html, "html.parser")
    problems = _unique_ids(soup) + _labels(soup)
    problems += [
        f"<img src={img.get('src')!r}> has no alt"
        for img in soup.find_all("img")
        if img.get("alt") is None
    ]
    for form in soup.find_all("form"):
        if not form.get("action") and not any(form.get(a) for a in ("hx-post", "hx-get")):
            problems.append("a <form> has no action")
    return problems


def check_page(html: str) -> list[str]:
    """Every rule, for a whole page. Returns the problems found (empty when all is well)."""
    problems = _parse_errors(html)
    soup = BeautifulSoup(html, "html.parser")
    html_tag = soup.find("html")
    if html_tag is None or not html_tag.get("lang"):
        problems.append("<html> has no lang")
    h1s = soup.find_all("h1")
    if len(h1s) != 1:
        problems.append(f"expected exactly one <h1>, found {len(h1s)}")
    title = soup.find("title")
    if title is None or not title.get_text(strip=True):
        problems.append("no <title>")
    elif h1s and not " ".join(title.get_text().split()).startswith(
        " ".join(h1s[0].get_text().split())
    ):
        problems.append(
            f"<title> {title.get_text()!r} does not begin with the <h1> "
            f"{h1s[0].get_text(strip=True)!r}"
        )
    if soup.find("main") is None:
        problems.append("no <main> landmark")
    return problems + check_fragment(html)


def assert_page_ok(html: str, where: str = "") -> None:
    """Raise StructureError listing every problem on the page."""
    problems = check_page(html)
    if problems:
        raise StructureError(f"page structure problems {where}:\n  " + "\n  ".join(problems))


def assert_fragment_ok(html: str, where: str = "") -> None:
    """Raise StructureError for a partial's problems."""
    problems = check_fragment(html)
    if problems:
        raise StructureError(f"fragment structure problems {where}:\n  " + "\n  ".join(problems))
