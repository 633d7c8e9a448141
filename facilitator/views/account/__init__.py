"""Signing in (``auth.py``), one's own account (``your_account.py``, on the same blueprint),
and administration (``admin.py``)."""

from . import admin, auth, your_account

__all__ = ["admin", "auth", "your_account"]
