"""The engine stays pure: standard library only, no Django, no database, no clock."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import treatments.screening.rules as engine

PACKAGE = Path(engine.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))
#: Besides the standard library: its own modules, and the shipped source citations (data).
ALLOWED = ("treatments.screening.rules", "treatments.screening.defaults")


def imported(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            names.append(node.module or "")
    return names


def test_the_engine_is_split_into_small_modules():
    assert {path.stem for path in MODULES} >= {"model", "evaluation", "validation"}
    for path in MODULES:
        assert len(path.read_text().splitlines()) <= 500, path.name


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.stem)
def test_engine_module_imports_only_the_standard_library(path):
    for name in imported(path):
        top = name.split(".")[0]
        allowed = top in sys.stdlib_module_names or top == "__future__"
        allowed = allowed or any(name == a or name.startswith(a + ".") for a in ALLOWED)
        assert allowed, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.stem)
def test_engine_module_never_reads_the_clock(path):
    source = path.read_text()
    for call in ("date.today(", "datetime.now(", "datetime.utcnow(", "time.time("):
        assert call not in source, f"{path.name} calls {call}"
