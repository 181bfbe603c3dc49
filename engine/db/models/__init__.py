"""All tables; importing this package registers them on ``Base.metadata``."""

from engine.db.models.base import Base
from engine.db.models.documents import DossierFile
from engine.db.models.dossiers import Deadline, Dossier, DossierCounter, PinGuard, Task
from engine.db.models.drafts import ProcedureDraft
from engine.db.models.kpi_tallies import KpiDossierDay, KpiDossierMark, KpiDossierMinutes, KpiStepDay, KpiStepMinutes
from engine.db.models.notifications import Notification, UserContact
from engine.db.models.org import Agency, ApiToken, CalendarDay, Unit, User, UserRole
from engine.db.models.oversight import Escalation
from engine.db.models.procedures import Procedure, ProcedureVersion
from engine.db.models.records import AuditChainHead, AuditEntry, Event, Nonconformity
from engine.db.models.search import DossierSearch

__all__ = [
    "Base", "Agency", "ApiToken", "CalendarDay", "Unit", "User", "UserRole", "Procedure", "ProcedureVersion",
    "Deadline", "Dossier", "DossierFile", "DossierCounter", "PinGuard", "Task", "AuditChainHead", "AuditEntry", "Event", "Nonconformity",
    "Notification", "UserContact", "Escalation", "ProcedureDraft", "DossierSearch",
    "KpiDossierDay", "KpiDossierMark", "KpiDossierMinutes", "KpiStepDay", "KpiStepMinutes",
]
