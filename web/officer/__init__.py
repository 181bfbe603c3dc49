"""Officers' pages: login, inbox, dossier, reception desk, printable records, KPI dashboard."""

from web.officer import audit, dashboard, dossier, inbox, outbox, oversight, pages, reception, records  # noqa: F401  (routes register on import)  # noqa: F401  (nonconformities, audit log, outbox)
from web.officer.blueprint import bp
