"""Shared fixtures: the pipeline (built once), rendered documents, and ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("OCRFLOW_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session", autouse=True)
def no_user_daemon(tmp_path_factory):
    """``ocrflow run`` in a subprocess would go to a daemon the developer started: not in tests."""
    os.environ["OCRFLOW_DAEMON_DIR"] = str(tmp_path_factory.mktemp("no-daemon"))


def shared_manifest(name: str) -> Path:
    manifest = SHARED_DATA / name / "manifest.jsonl"
    if not manifest.is_file():
        pytest.skip(f"{manifest} is absent (the real-document data sets live in ../shared/data)")
    return manifest


@pytest.fixture(scope="session")
def pipeline():
    from ocrflow.pipeline import PagePipeline

    return PagePipeline()


@pytest.fixture(scope="session")
def letter_page():
    """A rendered page of known text, three paragraphs, and its ground truth."""
    from ocrflow.synthetic import render_page

    lines = [
        "Quarterly Report",
        "",
        "Revenue grew by 12 percent in the third",
        "quarter, driven by strong demand for",
        "our new product line.",
        "",
        "Operating costs stayed flat at 4.2 million",
        "while headcount rose to 37 people.",
        "",
        "Contact: finance@example.com",
    ]
    return render_page(lines)
