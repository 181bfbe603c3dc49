"""The layout of the engine (ARCHITECTURE.md) stays findable: few shared top-level modules, every package
saying what lives there and what it may import, and the import-linter contracts kept."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"
MAX_TOP_LEVEL_MODULES = 6


def test_engine_keeps_at_most_six_shared_top_level_modules():
    modules = sorted(p.name for p in ENGINE.glob("*.py") if p.name != "__init__.py")
    assert len(modules) <= MAX_TOP_LEVEL_MODULES, modules


def test_every_engine_package_says_what_lives_there_and_what_it_may_import():
    for init in ENGINE.glob("*/__init__.py"):
        if init.parent.name == "migrations":
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert doc, f"{init.relative_to(ROOT)} has no docstring"
        assert "May import" in doc or "may import" in doc, f"{init.relative_to(ROOT)} does not say what it may import"


def test_architecture_names_one_file_for_deadlines_and_for_authority():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for path in ("engine/clock/calendar.py", "engine/org/authz.py"):
        assert path in text and (ROOT / path).exists(), path


def _lint_imports() -> Path:
    found = Path(sys.executable).with_name("lint-imports")
    if not found.exists():
        found = Path(shutil.which("lint-imports") or "")
    if not found.is_file():
        pytest.skip("import-linter is not installed (make test installs it)")
    return found


def test_the_import_contracts_are_kept():
    result = subprocess.run([str(_lint_imports()), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_import_fails_naming_both_modules(tmp_path):
    """A copy of the tree where the calendar imports a use case: the layers contract names both modules."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "engine", copy / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "web", copy / "web", ignore=shutil.ignore_patterns("__pycache__", "static", "node_modules",
                                                                              "templates"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    calendar = copy / "engine" / "clock" / "calendar.py"
    calendar.write_text(calendar.read_text(encoding="utf-8") + "\nfrom engine.dossiers import tasks  # noqa\n",
                        encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(copy)}
    result = subprocess.run([str(_lint_imports()), "--no-cache"], cwd=copy, capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode != 0
    assert "engine.clock.calendar" in result.stdout and "engine.dossiers.tasks" in result.stdout, result.stdout
