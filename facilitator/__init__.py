"""Facilitator: adult social care reviews where the person's own voice comes first."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, errors, commands (see factory.py)."""
    from .factory import build_app  # lazy: this __init__ runs on every facilitator.* import

    return build_app(test_config)
