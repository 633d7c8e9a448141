"""Who is signed in, and the decorators views use to require a role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import UserMixin, current_user, login_required

from .extensions import db, login_manager
from .models import Role, User, UserSession
from .services import accounts

F = TypeVar("F", bound=Callable[..., Any])


class SignedIn(UserMixin):
    """The signed-in account together with its server-side session row."""

    def __init__(self, record: UserSession) -> None:
        self.record = record
        self.user: User = record.user

    def get_id(self) -> str:
        # The cookie holds the session's random id, never the account id.
        return self.record.public_id

    @property
    def role(self) -> Role:
        return self.user.role

    @property
    def person_mode_review_id(self) -> int | None:
        return self.record.person_mode_review_id


@login_manager.user_loader
def _load(public_id: str) -> SignedIn | None:
    record = accounts.load_session(db.session, public_id)
    return SignedIn(record) if record is not None else None


def current_account() -> User:
    """The signed-in User (call only behind login_required)."""
    return current_user.user  # type: ignore[no-any-return]


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow only signed-in users with one of ``roles``; others get a kind 403 page."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


STAFF_ROLES = (Role.STAFF, Role.MANAGER, Role.ADMIN)
GOVERNANCE_ROLES = (Role.MANAGER, Role.ADMIN)
