"""Where the easy-read pictures are: the picture sets filled at set-up from npm, in the static
folder (``flat``, and ``hc`` for high contrast). The PDFs draw them from here."""

from __future__ import annotations

from pathlib import Path

from flask import current_app


def pictures_dir(high_contrast: bool = False) -> Path:
    """The folder of one picture set (call in an app context)."""
    folder = "hc" if high_contrast else "flat"
    return Path(current_app.static_folder or "") / "vendor" / "pictures" / folder
