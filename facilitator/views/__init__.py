"""Blueprints, one per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Register every audience's blueprint."""
    from . import admin, advocate, auth, governance, main, person, staff, staff_people

    for module in (main, auth, staff, staff_people, advocate, governance, admin, person):
        app.register_blueprint(module.bp)
    from . import advocate_layer, family, layers, links  # issue 4: family, links, layers
    for module in (family, links, layers, advocate_layer):
        app.register_blueprint(module.bp)
    from . import actions, review_record, you_said  # actions, the record, "You said, we did"
    for blueprint in (actions.bp, actions.overview, review_record.bp, you_said.bp, you_said.person_bp):
        app.register_blueprint(blueprint)
    from . import casework, safeguarding  # issue 6: casework, and the safeguarding lead's flags
    for module in (casework, safeguarding):
        app.register_blueprint(module.bp)
    from . import person_sync  # issue 8: the tablet's service worker and queued answers

    app.register_blueprint(person_sync.bp)
