"""The closed vocabularies of the domain. Status strings live here and nowhere else."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DESK = "desk"
    SPECIALIST = "specialist"
    UNIT_HEAD = "unit_head"
    LEADER = "leader"
    DESIGNER = "designer"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLE_LABELS_VI = {
    Role.DESK: "Cán bộ Bộ phận Một cửa",
    Role.SPECIALIST: "Chuyên viên thụ lý",
    Role.UNIT_HEAD: "Trưởng phòng",
    Role.LEADER: "Lãnh đạo cơ quan",
    Role.DESIGNER: "Thiết kế quy trình (Thư ký ISO)",
    Role.AUDITOR: "Kiểm soát nội bộ",
    Role.ADMIN: "Quản trị hệ thống",
}


class AgencyLevel(StrEnum):
    """Known levels of the agency tree; the tree itself may be of any depth."""

    CENTRAL = "central"
    PROVINCE = "province"
    COMMUNE = "commune"


class Outcome(StrEnum):
    """Classification of a finished step or dossier against its due instant (DOMAIN §5)."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


OUTCOME_LABELS_VI = {Outcome.EARLY: "Trước hạn", Outcome.ON_TIME: "Đúng hạn", Outcome.LATE: "Quá hạn"}


class DossierStatus(StrEnum):
    SUBMITTED = "submitted"  # online, waiting for the desk's completeness check
    INCOMPLETE = "incomplete"  # Form 02 issued at reception, not yet received
    RECEIVED = "received"
    PROCESSING = "processing"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    RESOLVED = "resolved"
    RETURNED = "returned"
    REFUSED = "refused"
    REJECTED = "rejected"  # refused at reception (Form 03)
    WITHDRAWN = "withdrawn"


OPEN_DOSSIER_STATUSES = frozenset(
    {
        DossierStatus.SUBMITTED,
        DossierStatus.INCOMPLETE,
        DossierStatus.RECEIVED,
        DossierStatus.PROCESSING,
        DossierStatus.AWAITING_SUPPLEMENT,
    }
)

# Legally received and not yet decided: the statutory clock runs (or is paused awaiting supplementation).
IN_PROCESS_STATUSES = frozenset(
    {DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.AWAITING_SUPPLEMENT}
)

DOSSIER_STATUS_LABELS_VI = {
    DossierStatus.SUBMITTED: "Chờ tiếp nhận",
    DossierStatus.INCOMPLETE: "Chờ bổ sung trước khi tiếp nhận",
    DossierStatus.RECEIVED: "Đã tiếp nhận",
    DossierStatus.PROCESSING: "Đang giải quyết",
    DossierStatus.AWAITING_SUPPLEMENT: "Chờ bổ sung hồ sơ",
    DossierStatus.RESOLVED: "Đã có kết quả",
    DossierStatus.RETURNED: "Đã trả kết quả",
    DossierStatus.REFUSED: "Từ chối giải quyết",
    DossierStatus.REJECTED: "Từ chối tiếp nhận",
    DossierStatus.WITHDRAWN: "Đã rút hồ sơ",
}


class Channel(StrEnum):
    DESK = "desk"
    ONLINE = "online"
    POSTAL = "postal"


# What the desk may record at reception: handed in at the desk or sent by post. Online dossiers are submitted by
# citizens themselves (engine.dossiers.online); a desk reception counted as online would skew Decision 766 figures.
DESK_CHANNELS = frozenset({Channel.DESK, Channel.POSTAL})


class TaskState(StrEnum):
    """State of an inbox row (one human step of one dossier)."""

    READY = "ready"  # waiting to be claimed
    CLAIMED = "claimed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


OPEN_TASK_STATES = frozenset({TaskState.READY, TaskState.CLAIMED})


class DeadlineKind(StrEnum):
    STEP = "step"
    DOSSIER = "dossier"
    TIMER = "timer"


class EndOutcome(StrEnum):
    """Value of the ``outcome`` property on a BPMN end event."""

    RESOLVED = "resolved"
    REFUSED = "refused"


class NonconformityStatus(StrEnum):
    OPEN = "open"
    ACTION_RECORDED = "action_recorded"
    CLOSED = "closed"


class EventKind(StrEnum):
    SUBMITTED = "submitted"
    RECEIVED = "received"
    HANDED_OVER = "handed_over"  # giao: a step becomes ready for a (possibly other) unit
    TAKEN_OVER = "taken_over"  # nhận: the receiving unit's officer takes it
    RELEASED = "released"
    REASSIGNED = "reassigned"
    STEP_COMPLETED = "step_completed"
    STEP_OVERDUE = "step_overdue"
    DOSSIER_OVERDUE = "dossier_overdue"
    NONCONFORMITY_RAISED = "nonconformity_raised"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUPPLEMENTED = "supplemented"
    TIMER_FIRED = "timer_fired"
    RESOLVED = "resolved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    APOLOGY_ISSUED = "apology_issued"
    RETURNED = "returned"
    MIGRATED = "migrated"  # moved to a newer version of its procedure (engine.design.migration)
    PIN_REISSUED = "pin_reissued"  # the desk gave the applicant a new lookup PIN (engine.dossiers.pin_guard)
    FILE_ATTACHED = "file_attached"  # a file stored on the dossier: its SHA-256, part, uploader (engine.documents)


class FileKind(StrEnum):
    """What a file on a dossier is (engine.documents)."""

    PART = "part"  # a part of the dossier (thành phần hồ sơ)
    RESULT = "result"  # a result document
    WORKING = "working"  # an officer's working document of a step


class FileSource(StrEnum):
    """How a file came in."""

    DESK = "desk"  # scanned at reception
    ONLINE = "online"  # uploaded by the citizen with the online submission
    SUPPLEMENT = "supplement"  # uploaded with a supplementation
    OFFICER = "officer"  # attached by an officer while processing


class OcrState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # after its retries: the file stays as it was


FILE_KIND_LABELS_VI = {FileKind.PART: "thành phần hồ sơ", FileKind.RESULT: "kết quả", FileKind.WORKING: "tài liệu xử lý"}


class TokenState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


TOKEN_STATE_LABELS_VI = {TokenState.ACTIVE: "còn hiệu lực", TokenState.EXPIRED: "hết hạn", TokenState.REVOKED: "đã thu hồi"}


class NotificationChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    CONSOLE = "console"  # the log file sender: officers without a contact, and the offline demo


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker; the claim lapses at next_attempt_at
    SENT = "sent"
    FAILED = "failed"  # attempts exhausted; an administrator may retry


class NotificationTopic(StrEnum):
    STEP_DUE_SOON = "step_due_soon"
    STEP_OVERDUE = "step_overdue"
    APOLOGY_PROMPT = "apology_prompt"
    NONCONFORMITY_OVERDUE = "nc_overdue"
    RECEIVED = "received"  # to the citizen from here on
    SUPPLEMENT_REQUESTED = "supplement_requested"
    RESULT_READY = "result_ready"
    APOLOGY = "apology"


class EscalationKind(StrEnum):
    REMINDER = "reminder"
    OVERDUE_NOTICE = "overdue_notice"
    APOLOGY_PROMPT = "apology_prompt"
    NONCONFORMITY_OVERDUE = "nc_overdue"


NONCONFORMITY_STATUS_LABELS_VI = {
    NonconformityStatus.OPEN: "Chưa có hành động khắc phục",
    NonconformityStatus.ACTION_RECORDED: "Đã có hành động khắc phục, chờ kiểm tra",
    NonconformityStatus.CLOSED: "Đã kiểm tra, đóng",
}


class VersionStatus(StrEnum):
    """Document control of a procedure (ISO 9001 §7.5): a draft is worked on, one version is in force."""

    DRAFT = "draft"
    PUBLISHED = "published"  # the version new dossiers start on
    RETIRED = "retired"  # superseded by a later version; dossiers started on it may still run


VERSION_STATUS_LABELS_VI = {
    VersionStatus.DRAFT: "Bản nháp",
    VersionStatus.PUBLISHED: "Đang áp dụng",
    VersionStatus.RETIRED: "Đã thay thế",
}


class DraftStatus(StrEnum):
    OPEN = "open"
    PUBLISHED = "published"
    DISCARDED = "discarded"
