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


def test_ocrmypdf_turns_and_straightens_pages_by_the_plugins_rotation_stage(tmp_path, pipeline):
    pytest.importorskip("ocrmypdf", reason="ocrmypdf (the ocrmypdf extra) is not installed")
    import pypdfium2 as pdfium

    from ocrflow.synthetic import rotate_page, skew_page

    upright = render_page(["Quarterly Report", "", "Revenue grew by 12 percent in the third",
                           "quarter, driven by strong demand for", "our new product line."])[0]
    source, target = tmp_path / "scan.pdf", tmp_path / "out.pdf"
    source.write_bytes(scanned_pdf([rotate_page(upright, 90), skew_page(upright, 3)]))
    result = subprocess.run([str(Path(sys.executable).parent / "ocrmypdf"), "--plugin", "ocrflow.ocrmypdf",
                             "--rotate-pages", "--deskew", "--output-type", "pdf", "-j", "1", str(source),
                             str(target)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    pdf = pdfium.PdfDocument(target)  # each page as a viewer shows it, read by ocrflow's rotation stage again
    first, second = (pdf[i].render(scale=150 / 72, fill_color=(255, 255, 255, 255)).to_numpy()[:, :, :3].copy()
                     for i in range(2))
    assert pipeline.stage("rotation")(first).angle == 0, "shown upright"
    assert abs(pipeline.stage("rotation")(second).skew_degrees) < 1.0, "straightened, not skewed twice"
