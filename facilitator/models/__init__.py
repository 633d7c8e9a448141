"""SQLAlchemy 2.0 typed models for the whole domain."""

from .actions import OutcomeAction, action_responses
from .advocate_reports import AdvocateReport, AdvocateReportResponse
from .audit import AuditEvent, AuditHead
from .base import utcnow
from .complaints import Complaint
from .custom_prompts import CustomPrompt, VoiceRecording
from .enums import *  # noqa: F403
from .family import ConsentToShare, FamilySession, InvitationLink
from .figures import ReviewFigures, invalidate_figures
from .followups import ActionFollowUp, FollowUpAnswer
from .governance import *  # noqa: F403  (governance records, issue 6)
from .imports import PeopleImport
from .joint_meetings import (
    JointMeeting,
    JointMeetingNote,
    JointMeetingOption,
    JointMeetingView,
    MeetingStatus,
    joint_meeting_actions,
)
from .layers import Contribution, DifferingView
from .lifecycle import LifecycleEvent, ReviewClosure, ReviewMeeting
from .media import Photo
from .messages import OutboxMessage, OutboxStatus
from .notices import DueNotice, NoticeChoice, PasswordReset, PasswordResetRequest
from .people import (
    DEFAULT_SETTINGS,
    InvolvementAgreement,
    LegalAuthority,
    Person,
    Relationship,
    Supporter,
)
from .person_recordings import PersonRecording, RecordingConsent, action_recordings
from .published import ComplaintSource, PublishedPage
from .record_audits import (
    AuditAnswer,
    FindingStatus,
    RecordAudit,
    RecordAuditAnswer,
    RecordAuditCheck,
    RecordAuditFinding,
)
from .reviews import NonParticipation, Response, Review, ReviewPrompt
from .services import CoverGrant, PersonService, Service, ServiceKind, ServiceLead, StaffService
from .stored_files import StoredFile
from .tablet import TabletUnlockAttempt
from .users import LoginAttempt, RecoveryCode, User, UserSession

__all__ = [
    "AdvocateReport",
    "AdvocateReportResponse",
    "ActionFollowUp",
    "FollowUpAnswer",
    "DEFAULT_SETTINGS",
    "AuditEvent",
    "AuditHead",
    "Complaint",
    "ComplaintSource",
    "ConsentToShare",
    "Contribution",
    "CoverGrant",
    "CustomPrompt",
    "DifferingView",
    "DueNotice",
    "FamilySession",
    "InvitationLink",
    "InvolvementAgreement",
    "JointMeeting",
    "JointMeetingNote",
    "JointMeetingOption",
    "JointMeetingView",
    "LegalAuthority",
    "LifecycleEvent",
    "LoginAttempt",
    "MeetingStatus",
    "NonParticipation",
    "NoticeChoice",
    "OutboxMessage",
    "OutboxStatus",
    "OutcomeAction",
    "PasswordReset",
    "PasswordResetRequest",
    "PeopleImport",
    "Person",
    "PersonRecording",
    "action_recordings",
    "PersonService",
    "Relationship",
    "AuditAnswer",
    "FindingStatus",
    "RecordAudit",
    "RecordAuditAnswer",
    "RecordAuditCheck",
    "RecordAuditFinding",
    "Photo",
    "RecordingConsent",
    "PublishedPage",
    "RecoveryCode",
    "Response",
    "Review",
    "ReviewClosure",
    "ReviewMeeting",
    "ReviewFigures",
    "ReviewPrompt",
    "Service",
    "ServiceKind",
    "ServiceLead",
    "StaffService",
    "StoredFile",
    "Supporter",
    "TabletUnlockAttempt",
    "User",
    "UserSession",
    "VoiceRecording",
    "action_responses",
    "joint_meeting_actions",
    "invalidate_figures",
    "utcnow",
]
