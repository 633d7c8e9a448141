"""Signing in (``auth.py``; a forgotten password in ``reset.py``, your
notices in ``notices.py``), one's own account
(``your_account.py``, on the same blueprint), and administration (``admin.py``, with services
in ``services.py`` and the Messages page in ``messages.py`` on the same blueprint)."""

from . import admin, auth, messages, notices, reset, services, your_account

__all__ = ["admin", "auth", "messages", "notices", "reset", "services", "your_account"]
