"""SQLAlchemy 2.0 typed models for the whole domain."""

from .actions import OutcomeAction, action_responses
from .audit import AuditEvent, AuditHead
from .base import utcnow
from .complaints import Complaint
from .custom_prompts import CustomPrompt, VoiceRecording
from .enums import *  # noqa: F403
from .family import ConsentToShare, FamilySession, InvitationLink
from .figures import ReviewFigures, invalidate_figures
from .followups import ActionFollowUp, FollowUpAnswer
from .governance import *  # noqa: F403  (governance records, issue 6)
from .layers import Contribution, DifferingView
from .media import Photo
from .people import DEFAULT_SETTINGS, InvolvementAgreement, LegalAuthority, Person, Supporter
from .reviews import NonParticipation, Response, Review, ReviewPrompt
from .tablet import TabletUnlockAttempt
from .users import LoginAttempt, RecoveryCode, User, UserSession

__all__ = [
    "ActionFollowUp",
    "FollowUpAnswer",
    "DEFAULT_SETTINGS",
    "AuditEvent",
    "AuditHead",
    "Complaint",
    "ConsentToShare",
    "Contribution",
    "CustomPrompt",
    "DifferingView",
    "FamilySession",
    "InvitationLink",
    "InvolvementAgreement",
    "LegalAuthority",
    "LoginAttempt",
    "NonParticipation",
    "OutcomeAction",
    "Person",
    "Photo",
    "RecoveryCode",
    "Response",
    "Review",
    "ReviewFigures",
    "ReviewPrompt",
    "Supporter",
    "TabletUnlockAttempt",
    "User",
    "UserSession",
    "VoiceRecording",
    "action_responses",
    "invalidate_figures",
    "utcnow",
]
