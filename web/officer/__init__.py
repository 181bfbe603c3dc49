"""Officers' pages: login, inbox, the desk's worklists, dossier search, dossier, reception desk, printable records, KPI dashboard,
nonconformities, audit log, outbox. The routes register on the blueprint when their modules are imported."""

from web.officer.blueprint import bp

__all__ = ["bp"]

from web.officer import (  # noqa: F401  (routes register on import)  # isort: skip
    audit, dashboard, dossier, files, inbox, outbox, oversight, pages, reception, records, search, worklists,
)
