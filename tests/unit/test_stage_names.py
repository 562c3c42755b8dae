"""A page stage's name is spelled in the registry and in the stage's own module, nowhere else in
the package: the pipeline, the page task, the assembler's callers and the serving app read the
stages and their inputs from the registry (issue #21)."""

from __future__ import annotations

import re
from pathlib import Path

from ocrflow import registry

PACKAGE = Path(registry.__file__).parent
# The registry names them; each stage's module may name itself; the assembler (the validation
# stage's own module) reads the mapping of page-stage results by name.
ALLOWED = {"registry.py", "stages/validation.py", *(f"stages/{name}.py" for name in registry.stage_names())}


def spelled(name: str) -> re.Pattern:
    return re.compile(rf"""["']{re.escape(name)}["']""")


def test_no_stage_name_is_spelled_outside_the_registry_and_its_own_module():
    hits = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in ALLOWED:
            continue
        text = path.read_text(encoding="utf-8")
        for name in registry.stage_names():
            for match in spelled(name).finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                hits.append(f"{relative}:{line}: {match.group(0)}")
    assert not hits, "page-stage names spelled outside the registry:\n" + "\n".join(hits)


def test_the_grep_finds_a_spelled_name():
    """The pattern would catch the wiring the registry replaced (``output("text_detection")``)."""
    assert spelled("text_detection").search('upright_page(), output("text_detection").lines')
    assert spelled("rotation").search("outputs['rotation']")
    assert not spelled("rotation").search("rotation = read_output(task, page_turner().name)")
