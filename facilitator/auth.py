"""Who is signed in, and the decorators views use to require a role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
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


def session_limits() -> accounts.SessionLimits:
    """The idle and absolute limits from the settings."""
    config = current_app.config
    return accounts.SessionLimits(
        idle=timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
        absolute=timedelta(hours=int(config["SESSION_ABSOLUTE_HOURS"])),
    )


@login_manager.user_loader
def _load(public_id: str) -> SignedIn | None:
    try:
        record = accounts.load_session(db.session, public_id, session_limits())
    except accounts.SessionExpired as expired:
        # Noted for the request hook in views/account/auth.py, which shows the kind page.
        g.session_expired = expired.reason
        return None
    return SignedIn(record) if record is not None else None


class SecureWhenHttpsSessions(SecureCookieSessionInterface):
    """The session cookie is Secure in production and on any request that came over HTTPS
    (directly, or through a trusted reverse proxy that ProxyFix believes)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if super().get_cookie_secure(app):
            return True
        return has_request_context() and request.is_secure


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
