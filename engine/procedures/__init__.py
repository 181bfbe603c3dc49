"""Procedure packages (DOMAIN §6): the contract between process designers and the engine.

A package is ``procedure.toml`` + one executable ``.bpmn`` + optional ``forms/<task_id>.json``. Nothing
in a package is trusted: XML is parsed defensively, scripts are refused, gateway conditions go through
the safe evaluator, and every problem is reported at once so a designer can fix a file in one pass.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a package, phrased for the designer who has to fix it (Vietnamese first)."""

    file: str
    element_id: str | None
    message: str
    fix: str
    message_en: str
    severity: str = ERROR
    fix_en: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.element_id}" if self.element_id else self.file
        return f"{where}: {self.message} — {self.fix}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict:
        return asdict(self)


def errors(problems) -> list[Problem]:
    """Only the problems that block loading or publishing (warnings are advice)."""
    return [p for p in problems if p.severity == ERROR]


# Imported last: the submodules import Problem from this package.
from engine.procedures.card import (  # noqa: E402
    LaneRule,
    ProcedureCard,
    ProcedurePackage,
    load_package,
    load_package_from_files,
)
from engine.procedures.validator import longest_deadline_path, validate_or_raise, validate_package  # noqa: E402

__all__ = [
    "ERROR", "WARNING", "Problem", "errors", "LaneRule", "ProcedureCard", "ProcedurePackage", "load_package",
    "load_package_from_files", "validate_package", "validate_or_raise", "longest_deadline_path",
]
