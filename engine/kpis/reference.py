"""The reference implementation of the KPI report: every figure by aggregate SQL over the raw dossiers, tasks
and events (dossier_sql, step_sql), as released. The tallies must give exactly its figures: the tests
compare the two, and it stays the definition when a figure's meaning is in doubt."""

from __future__ import annotations

import sys

from sqlalchemy.orm import Session

from engine.kpis.dossier_sql import figure_parts
from engine.kpis.report import KpiReport, build as build_from
from engine.kpis.scope import Scope
from engine.kpis.step_sql import bottlenecks, units

__all__ = ["figure_parts", "units", "bottlenecks", "build"]


def build(session: Session, scope: Scope) -> KpiReport:
    """The report computed from the raw tables (slow at scale: a scan of every dossier in scope)."""
    return build_from(session, scope, source=sys.modules[__name__])
