"""Dossiers from reception to hand-back (DOMAIN §3): reception and online submission, the steps and the
officers' tasks, dossier actions (supplement, refuse, withdraw, apology, return), the inbox read model, the
hash-chained event log with its subscribers, the dossier store and the SpiffWorkflow runtime.
May import: engine.kpis, engine.notify, engine.procedures, engine.org, engine.clock, engine.db, shared."""

from engine.dossiers import (
    notices,  # noqa: F401  (subscribes the citizen's notices to the event log)
    search_index,  # noqa: F401  (subscribes the search index to the event log)
)
