"""Forms of the monthly record audit (issue 20): one form class per write, read leniently and
checked by ``services/governance/record_audit.py`` (the rules live there)."""

from __future__ import annotations

from typing import Any

from wtforms import StringField

from .governance import Chosen, GovernanceForm, IsoDateField, WholeNumbersField


def field_name(item: str) -> str:
    """A checklist item's key as a form field's name ("person-first" -> "person_first")."""
    return item.replace("-", "_")


class StartAuditForm(GovernanceForm):
    """The month, the services ticked and how many reviews to check."""

    month = Chosen()
    service_ids = WholeNumbersField()
    size = Chosen()


class CheckForm(GovernanceForm):
    """Met, not met or not applicable for each checklist item, each with a note."""

    person_first = Chosen()
    person_first_note = StringField()
    consent = Chosen()
    consent_note = StringField()
    capacity = Chosen()
    capacity_note = StringField()
    statements_answered = Chosen()
    statements_answered_note = StringField()
    communicated = Chosen()
    communicated_note = StringField()
    differing_resolved = Chosen()
    differing_resolved_note = StringField()
    you_said_shared = Chosen()
    you_said_shared_note = StringField()

    def answers_and_notes(self, items: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        """``answers`` and ``notes`` by item key, as ``record_audit.check_review`` takes them."""
        return {
            "answers": {key: self[field_name(key)].data for key in items},
            "notes": {key: self[f"{field_name(key)}_note"].data for key in items},
        }


class AssignFindingForm(GovernanceForm):
    """Who will put a finding right, and by when."""

    owner_user_id = Chosen()
    due_on = IsoDateField()
    version = Chosen()


class FindingDoneForm(GovernanceForm):
    """What was done to put a finding right."""

    note = StringField()
    version = Chosen()
