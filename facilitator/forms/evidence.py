"""The evidence pack's form (issue 20): read from the address, checked by the services."""

from __future__ import annotations

from typing import Any

from .governance import Chosen, PeriodForm, YesField


class EvidencePackForm(PeriodForm):
    """The evidence pack asked for: the period and service, its language, and whether the
    last 8 quarters' trends are in it ("yes")."""

    lang = Chosen()
    trends = YesField()

    def arguments(self, *leave_out: str) -> dict[str, Any]:
        """The period as ``make_period`` takes it (the language and trends are read apart)."""
        return super().arguments("lang", "trends", *leave_out)
