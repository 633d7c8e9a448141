"""Blueprints, grouped by audience, each wrapped by the edge (``edge.py``)."""

from __future__ import annotations

from flask import Flask

from . import edge, governance, help, main, you_said
from .account import admin, auth
from .advocate import advocate
from .advocate import layer as advocate_layer
from .family import family
from .governance import safeguarding
from .person import person
from .person import screen_cache as person_screen_cache
from .person import sync as person_sync
from .staff import (
    actions,
    casework,
    custom_prompts,
    layers,
    links,
    people,
    photos,
    privacy,
    review_record,
    staff,
)

BLUEPRINTS = (
    # everyone
    main.bp, auth.bp, admin.bp, help.bp,
    # the person, on the tablet
    person.bp, person_sync.bp, you_said.person_bp, help.person_bp,
    # family members and friends, through a link
    family.bp, help.family_bp,
    # staff
    staff.bp, people.bp, links.bp, layers.bp, actions.bp, actions.overview, review_record.bp,
    you_said.bp, casework.bp, privacy.bp, photos.bp, photos.files, custom_prompts.bp,
    # advocates
    advocate.bp, advocate_layer.bp,
    # governance
    governance.bp, safeguarding.bp,
)  # fmt: skip


def register_blueprints(app: Flask) -> None:
    """Register every audience's blueprint; every view then runs inside the edge."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    person_screen_cache.init_app(app)
    edge.init_app(app)
