"""Family members and friends, through a link: the blueprint and session (``family.py``),
opening the link (``opening.py``), adding views (``adding.py``), complaining
(``complain.py``) and help (``help.py``)."""

from . import adding, complain, family, opening

__all__ = ["adding", "complain", "family", "opening"]
