"""Make the web fonts lighter without changing a glyph: drop the TrueType hinting.

Run: python scripts/slim_fonts.py FOLDER   (scripts/setup.sh runs it on the vendored fonts)

Hinting instructions are about 40% of Atkinson Hyperlegible's files. Tablets and phones (iOS,
Android, ChromeOS) and macOS ignore them; Windows renders the font without them as it does
any web font served unhinted. Every glyph, kerning pair and layout feature stays, so the
letters the person reads are the same; a first prompt over poor wifi loads about 14 KiB less.
Running it again on slimmed files is harmless.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont


def slim(path: Path) -> tuple[int, int]:
    """Rewrite one WOFF2 file without hinting; returns its size before and after."""
    before = path.stat().st_size
    font = TTFont(path)
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = True
    options.legacy_kern = True
    options.flavor = "woff2"
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=font.getGlyphOrder())
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(path)
    return before, path.stat().st_size


def main(folder: str) -> int:
    for path in sorted(Path(folder).glob("*.woff2")):
        before, after = slim(path)
        print(f"{path.name}: {before} -> {after} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "facilitator/static/vendor/fonts"))
