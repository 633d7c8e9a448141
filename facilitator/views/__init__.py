"""Blueprints, grouped by audience, each wrapped by the edge (``edge.py``)."""

from __future__ import annotations

from flask import Flask

from . import edge, governance, lookup, main, published
from .account import admin, auth
from .advocate import advocate
from .advocate import layer as advocate_layer
from .advocate import meetings as advocate_meetings
from .advocate import reports as advocate_reports_filed  # noqa: F401  (on advocate_layer.bp)
from .family import family
from .family import help as family_help
from .family import voice as family_voice  # noqa: F401  (routes on family.bp, issue 24)
from .governance import safeguarding
from .person import complain as person_complain  # noqa: F401  (routes on person_help.bp)
from .person import help as person_help
from .person import meetings as person_meetings
from .person import person
from .person import screen_cache as person_screen_cache
from .person import sync as person_sync
from .person import voice as person_voice  # noqa: F401  (routes on person.bp, issue 24)
from .person import you_said as person_you_said
from .staff import (
    actions,
    advocate_reports,
    casework,
    cover,
    custom_prompts,
    joint_meetings,
    layers,
    lifecycle,
    links,
    people,
    people_import,
    photos,
    privacy,
    records,
    review_record,
    staff,
    you_said,
)
from .staff import help as staff_help
from .staff import recordings as staff_recordings  # noqa: F401  (routes on staff.bp, issue 24)

BLUEPRINTS = (
    # everyone
    main.bp, auth.bp, admin.bp, staff_help.bp, published.bp, published.admin_bp,
    # the person, on the tablet
    person.bp, person_sync.bp, person_you_said.bp, person_help.bp, person_meetings.bp,
    # family members and friends, through a link
    family.bp, family_help.bp,
    # staff
    staff.bp, people.bp, links.bp, layers.bp, actions.bp, actions.overview, review_record.bp,
    you_said.bp, casework.bp, privacy.bp, photos.bp, photos.files, custom_prompts.bp,
    cover.bp, people_import.bp,
    lifecycle.bp, records.bp, advocate_reports.bp, joint_meetings.bp,
    # advocates
    advocate.bp, advocate_layer.bp, advocate_meetings.bp,
    # governance
    governance.bp, safeguarding.bp,
)  # fmt: skip


def register_blueprints(app: Flask) -> None:
    """Register every audience's blueprint; every view then runs inside the edge."""
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    person_screen_cache.init_app(app)
    lookup.init_app(app)  # need to know (issue 25): before every view
    edge.init_app(app)
