"""Fixtures shared by the unit tests: the world a service test starts from, and a manager.

A module asks for its own kind of world with a module-level WORLD of factories.world's options,
e.g. WORLD = {"prompt_ids": [...], "started": True}; without one it gets the default world.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from facilitator.models import Role, User

from . import factories


@pytest.fixture
def world(request: pytest.FixtureRequest, session: Session) -> factories.World:
    return factories.world(session, **getattr(request.module, "WORLD", {}))


@pytest.fixture
def manager(session: Session) -> User:
    return factories.user(session, Role.MANAGER, name="Morgan Evans")
