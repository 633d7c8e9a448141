"""The evidence pack's form (issue 20): read from the address, checked by the services."""

from __future__ import annotations

from typing import Any

from .governance import Chosen, PeriodForm


class EvidencePackForm(PeriodForm):
    """The evidence pack asked for: the period and service, and its language."""

    lang = Chosen()

    def arguments(self, *leave_out: str) -> dict[str, Any]:
        """The period as ``make_period`` takes it (the language is read on its own)."""
        return super().arguments("lang", *leave_out)
