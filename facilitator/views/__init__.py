"""Blueprints, one per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every audience's blueprint."""
    from . import admin, advocate, auth, governance, main, person, staff

    for module in (main, auth, staff, advocate, governance, admin, person):
        app.register_blueprint(module.bp)
    from . import advocate_layer, family, links  # family by link, its staff side, advocates
    for module in (family, links, advocate_layer):
        app.register_blueprint(module.bp)
