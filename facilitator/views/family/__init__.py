"""Family members and friends, through a link: the blueprint and session (``family.py``),
opening the link (``opening.py``), adding views (``adding.py``) and help (``help.py``)."""

from . import adding, family, opening

__all__ = ["adding", "family", "opening"]
