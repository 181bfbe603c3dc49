"""What a package check reports: one ``Problem`` per thing wrong, phrased for the designer (Vietnamese first)."""

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
