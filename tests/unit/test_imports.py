"""An import inside a function says why on its line or in a comment line above its block: such an
import hides an arrow from the module's head, so it has to earn its place (the layers and cycles
themselves are import-linter's, in ``make lint``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "lambdas" / "ocrflow"


def unexplained(path: Path) -> list[int]:
    lines = path.read_text().splitlines()
    inner = sorted({node.lineno for function in ast.walk(ast.parse(path.read_text()))
                    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
                    for node in ast.walk(function) if isinstance(node, (ast.Import, ast.ImportFrom))})
    missing = []
    for number in inner:
        above = number - 1
        while above >= 1 and (not lines[above - 1].strip() or above in inner):  # up through its block
            above -= 1
        explained = "#" in lines[number - 1] or (above >= 1 and lines[above - 1].strip().startswith("#"))
        if not explained:
            missing.append(number)
    return missing


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_function_level_import_says_why(path):
    name = str(path.relative_to(PACKAGE))
    assert unexplained(path) == [], f"{name}: imports inside functions without a reason (lines)"
