#!/usr/bin/env python3
"""Write 1 standalone SVG file per picture key, from the Iconify JSON packages in node_modules.

    python scripts/extract_pictures.py [--node-modules DIR] [--dest DIR] [--manifest FILE]

Reads easyread_assets/pictures.json and writes <dest>/flat/<key>.svg (colour) and
<dest>/hc/<key>.svg (high contrast). The artwork is not committed: it comes from npm at set-up
(see easyread_assets/CREDITS.md). Running it twice changes nothing; SVG files for keys no longer
in the manifest are removed. Plain standard library, so it runs before the app is installed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MANIFEST = ROOT / "easyread_assets" / "pictures.json"
DEFAULT_NODE_MODULES = ROOT / "node_modules"
DEFAULT_DEST = ROOT / "facilitator" / "static" / "vendor" / "pictures"
SVG_NS = "http://www.w3.org/2000/svg"
# Iconify's defaults for any dimension an icon or its set does not give.
DEFAULTS = {"left": 0, "top": 0, "width": 16, "height": 16}
MAX_ALIAS_DEPTH = 10


class ExtractError(Exception):
    """A missing package or icon; the message says what to run or fix."""


def load_icon_set(node_modules: Path, package: str) -> dict[str, Any]:
    """The parsed icons.json of an @iconify-json package."""
    path = node_modules / package / "icons.json"
    if not path.is_file():
        raise ExtractError(
            f"{path} not found: the npm package {package} is missing. Run `npm ci` first "
            "(or pass --node-modules)."
        )
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def resolve_icon(icon_set: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The icon's body and dimensions, following aliases and merging their flips/rotation."""
    icons, aliases = icon_set.get("icons", {}), icon_set.get("aliases", {})
    chain: list[dict[str, Any]] = []
    while name not in icons:
        alias = aliases.get(name)
        if alias is None or len(chain) >= MAX_ALIAS_DEPTH:
            return None
        chain.append(alias)
        name = alias["parent"]
    icon = {k: icon_set[k] for k in DEFAULTS if k in icon_set}
    icon.update(icons[name])
    # An alias flips relative to its parent (flips toggle, rotations add), as Iconify does.
    for alias in reversed(chain):
        for key, value in alias.items():
            if key in ("hFlip", "vFlip"):
                icon[key] = icon.get(key, False) != value
            elif key == "rotate":
                icon["rotate"] = (icon.get("rotate", 0) + value) % 4
            elif key != "parent":
                icon[key] = value
    return icon


def _number(value: float) -> str:
    return f"{value:g}"


def icon_to_svg(icon: dict[str, Any]) -> str:
    """A standalone SVG document for a resolved icon (port of Iconify's iconToSVG)."""
    left, top = icon.get("left", 0), icon.get("top", 0)
    width, height = icon.get("width", 16), icon.get("height", 16)
    body = icon["body"]
    transforms: list[str] = []
    rotation = icon.get("rotate", 0)
    if icon.get("hFlip") and icon.get("vFlip"):
        rotation += 2
    elif icon.get("hFlip"):
        transforms += [f"translate({_number(width + left)} {_number(-top)})", "scale(-1 1)"]
        left = top = 0
    elif icon.get("vFlip"):
        transforms += [f"translate({_number(-left)} {_number(height + top)})", "scale(1 -1)"]
        left = top = 0
    rotation %= 4
    if rotation == 1:
        centre = _number(height / 2 + top)
        transforms.insert(0, f"rotate(90 {centre} {centre})")
    elif rotation == 2:
        transforms.insert(0, f"rotate(180 {_number(width / 2 + left)} {_number(height / 2 + top)})")
    elif rotation == 3:
        centre = _number(width / 2 + left)
        transforms.insert(0, f"rotate(-90 {centre} {centre})")
    if rotation % 2:
        left, top, width, height = top, left, height, width
    if transforms:
        body = f'<g transform="{" ".join(transforms)}">{body}</g>'
    view_box = " ".join(_number(v) for v in (left, top, width, height))
    return (
        f'<svg xmlns="{SVG_NS}" width="{_number(width)}" height="{_number(height)}" '
        f'viewBox="{view_box}">{body}</svg>\n'
    )


def _write_if_changed(path: Path, text: str) -> bool:
    # Leaving unchanged files alone keeps their timestamps, so caches and rsync stay quiet.
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def extract(manifest_path: Path, node_modules: Path, dest: Path) -> dict[str, int]:
    """Write every picture in every set; return counts. Raises ExtractError listing all misses."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    sets: dict[str, dict[str, str]] = manifest["sets"]
    pictures: dict[str, dict[str, str]] = manifest["pictures"]
    icon_sets = {name: load_icon_set(node_modules, spec["package"]) for name, spec in sets.items()}
    documents: dict[Path, str] = {}
    missing: list[str] = []
    for key, names in pictures.items():
        for set_name, icon_set in icon_sets.items():
            icon = resolve_icon(icon_set, names.get(set_name, ""))
            if icon is None:
                missing.append(f"{key} -> {sets[set_name]['package']}: {names.get(set_name)!r}")
            else:
                documents[dest / set_name / f"{key}.svg"] = icon_to_svg(icon)
    if missing:
        raise ExtractError("icons not found in the npm packages:\n  " + "\n  ".join(missing))
    counts = {"pictures": len(pictures), "sets": len(sets), "written": 0, "removed": 0}
    for set_name in sets:
        (dest / set_name).mkdir(parents=True, exist_ok=True)
        for stale in (dest / set_name).glob("*.svg"):
            if stale not in documents:
                stale.unlink()
                counts["removed"] += 1
    for path, text in documents.items():
        counts["written"] += _write_if_changed(path, text)
    for set_name, spec in sets.items():
        for licence in sorted((node_modules / spec["package"]).glob("LICEN[CS]E*")):
            shutil.copyfile(licence, dest / set_name / licence.name)
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--node-modules", type=Path, default=DEFAULT_NODE_MODULES)
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    args = parser.parse_args(argv)
    try:
        counts = extract(args.manifest, args.node_modules, args.dest)
    except KeyError as exc:
        print(f"extract_pictures: {args.manifest} has no {exc} entry", file=sys.stderr)
        return 1
    except (ExtractError, OSError, json.JSONDecodeError) as exc:
        print(f"extract_pictures: {exc}", file=sys.stderr)
        return 1
    print(
        f"extract_pictures: {counts['pictures']} pictures x {counts['sets']} sets in "
        f"{args.dest} ({counts['written']} written, {counts['removed']} removed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
