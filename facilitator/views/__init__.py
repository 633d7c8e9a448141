"""Blueprints, one per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every audience's blueprint."""
    from . import (
        actions,
        admin,
        advocate,
        advocate_layer,
        auth,
        casework,
        custom_prompts,
        family,
        governance,
        help,
        layers,
        links,
        main,
        person,
        person_screen_cache,
        person_sync,
        photos,
        privacy,
        review_record,
        safeguarding,
        staff,
        staff_people,
        you_said,
    )

    for blueprint in (
        main.bp, auth.bp, staff.bp, staff_people.bp, advocate.bp, governance.bp, admin.bp,
        person.bp, family.bp, links.bp, layers.bp, advocate_layer.bp,
        actions.bp, actions.overview, review_record.bp, you_said.bp, you_said.person_bp,
        casework.bp, safeguarding.bp, person_sync.bp, privacy.bp, photos.bp, photos.files,
        help.bp, help.person_bp, help.family_bp, custom_prompts.bp,
    ):  # fmt: skip
        app.register_blueprint(blueprint)
    person_screen_cache.init_app(app)
