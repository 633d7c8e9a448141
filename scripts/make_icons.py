"""Draw the app's icons (our own simple artwork) into a git-ignored folder at set-up.

A speech bubble on the app's blue, with three dots: someone is about to be heard. The
"maskable" icon keeps everything inside the central safe zone so that any launcher shape
(circle, squircle) crops only background.

    python scripts/make_icons.py --dest facilitator/static/vendor/icons
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (29, 79, 145, 255)  # --accent in app.css
WHITE = (255, 255, 255, 255)
SIZES = (192, 512)


def draw_icon(size: int, *, maskable: bool = False) -> Image.Image:
    """One square icon; drawn at 4x and scaled down for smooth edges."""
    scale = 4
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, big, big), fill=BLUE)
        inset = big * 0.22  # inside the 80% safe zone
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.18, fill=BLUE)
        inset = big * 0.16
    left, top, right = inset, inset * 1.1, big - inset
    bottom = big - inset * 1.6
    pen.rounded_rectangle((left, top, right, bottom), radius=(bottom - top) * 0.3, fill=WHITE)
    tail_x = left + (right - left) * 0.28
    pen.polygon(
        [
            (tail_x, bottom - 2),
            (tail_x + (right - left) * 0.18, bottom - 2),
            (tail_x - (right - left) * 0.06, big - inset * 0.9),
        ],
        fill=WHITE,
    )
    radius = (right - left) * 0.07
    middle_y = (top + bottom) / 2
    for i in (-1, 0, 1):
        cx = (left + right) / 2 + i * radius * 3.2
        pen.ellipse((cx - radius, middle_y - radius, cx + radius, middle_y + radius), fill=BLUE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, required=True)
    dest = parser.parse_args().dest
    dest.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        draw_icon(size).save(dest / f"icon-{size}.png", optimize=True)
    draw_icon(512, maskable=True).save(dest / "icon-maskable-512.png", optimize=True)


if __name__ == "__main__":
    main()
