"""One settings package: ``OCRFLOW_*`` variables are read in ``ocrflow/settings/`` and nowhere else,
and no code writes the environment to configure other code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "lambdas" / "ocrflow"
ENVIRON = re.compile(r"os\.environ|os\.getenv|os\.putenv")
WRITES = re.compile(r"os\.environ(\[[^\]]+\]\s*=(?!=)|\.update\(|\.setdefault\(|\.pop\(|\.clear\()|del os\.environ|putenv")
# Readers outside settings/, each for its reason.
READERS = {
    # `ocrflow run`'s daemon client imports the standard library only (no pydantic): its directory, and
    # the OCRFLOW_* variables a daemon compares with its own.
    "cli/daemon_channel.py",
    # moto's fake credentials and Powertools' switches for the local stack (third-party configuration,
    # as moto's documentation asks), before anything creates a client.
    "local/statemachine.py",
    # starts a child process with its own daemon directory (a child's environment, not this process's)
    "bench/fresh.py",
}
WRITERS = {"local/statemachine.py"}


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "settings" not in p.relative_to(PACKAGE).parts)


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_environment_is_read_in_the_settings_package(path):
    name = str(path.relative_to(PACKAGE))
    text = path.read_text()
    if name not in READERS:
        assert not ENVIRON.search(text), f"{name} reads the environment: take a settings object instead"
    if name not in WRITERS:
        assert not WRITES.search(text), f"{name} writes the environment: pass settings down instead"


def test_every_settings_class_is_in_the_settings_package():
    outside = [f"{p.relative_to(PACKAGE)}: {m}" for p in modules()
               for m in re.findall(r"^class (\w+)\(BaseSettings\)", p.read_text(), re.M)]
    assert outside == []


def test_the_registry_names_settings_classes_that_exist():
    """The registry names each stage's settings by path (``ocrflow.settings:RotationSettings``)."""
    import ocrflow.settings

    named = re.findall(r'"ocrflow\.settings:(\w+)"', (PACKAGE / "registry.py").read_text())
    assert len(named) >= 4
    for name in named:
        assert issubclass(getattr(ocrflow.settings, name), ocrflow.settings.InferenceSettings)
