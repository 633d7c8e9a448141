"""Signing in (``auth.py``), one's own account (``your_account.py``, on the same blueprint),
and administration (``admin.py``, with the Messages page in ``messages.py`` on the same
blueprint)."""

from . import admin, auth, messages, your_account

__all__ = ["admin", "auth", "messages", "your_account"]
