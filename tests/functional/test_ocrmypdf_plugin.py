"""The real ocrmypdf with ocrflow as its OCR engine, on a two-page scanned PDF: the text layer
ocrmypdf grafts (from ocrflow's text-only PDF, and from its hOCR) reads back with pdftotext."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ocrflow.synthetic import render_page
from tests.functional.test_pdf_consumers import scanned_pdf

PAGES = [["Quarterly Report", "", "Revenue grew by 12 percent"], ["Second page", "", "Operating costs stayed flat"]]


@pytest.mark.parametrize("renderer", ["sandwich", "auto"])
def test_ocrmypdf_with_the_plugin_makes_a_searchable_pdf(tmp_path, renderer):
    pytest.importorskip("ocrmypdf", reason="ocrmypdf (the ocrmypdf extra) is not installed")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    source, target = tmp_path / "scan.pdf", tmp_path / "out.pdf"
    source.write_bytes(scanned_pdf([render_page(lines)[0] for lines in PAGES]))
    ocrmypdf = Path(sys.executable).parent / "ocrmypdf"
    result = subprocess.run([str(ocrmypdf), "--plugin", "ocrflow.ocrmypdf", "--pdf-renderer", renderer,
                             "--output-type", "pdf", "-j", "2", str(source), str(target)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    pages = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    for page, lines in zip(pages, PAGES):
        words = page.split()
        assert words == " ".join(lines).split(), (renderer, page)
