"""Procedure packages (DOMAIN §6): the contract between process designers and the engine.

A package is ``procedure.toml`` + one executable ``.bpmn`` + optional ``forms/<task_id>.json``. Nothing
in a package is trusted: XML is parsed defensively, scripts are refused, gateway conditions go through
the safe evaluator, and every problem is reported at once so a designer can fix a file in one pass.

Lives here too: the safe expression evaluator (expressions.py) and the catalogue of published versions
(publishing.py). May import: engine.org, engine.context, engine.clock, engine.db and the shared modules.
"""

from engine.procedures.card import (
    LaneRule,
    ProcedureCard,
    ProcedurePackage,
    load_package,
    load_package_from_files,
)
from engine.procedures.problems import ERROR, WARNING, Problem, errors
from engine.procedures.validator import longest_deadline_path, validate_or_raise, validate_package

__all__ = [
    "ERROR", "WARNING", "Problem", "errors", "LaneRule", "ProcedureCard", "ProcedurePackage", "load_package",
    "load_package_from_files", "validate_package", "validate_or_raise", "longest_deadline_path",
]
