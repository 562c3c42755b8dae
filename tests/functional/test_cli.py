"""``ocrflow run`` as a user calls it."""

from __future__ import annotations

import json

import cv2

from ocrflow.cli import main
from ocrflow.synthetic import render_page


def test_run_writes_outputs_and_reports_failures_per_file(tmp_path, capsys):
    image, _ = render_page(["Hello from the command line"])
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), image)
    bad = tmp_path / "bad.pdf"  # the extension lies; the bytes decide
    bad.write_bytes(b"MZ\x90\x00 this is an executable, not a PDF")
    out = tmp_path / "out"

    code = main(["run", str(good), str(bad), "--format", "textract", "--out", str(out)])

    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{bad}: UNSUPPORTED_FORMAT: unsupported document type: expected PDF, PNG, "
                   f"JPEG, TIFF, BMP or WebP (first bytes b'MZ\\x90\\x00 thi')"]
    blocks = json.loads((out / "good.json").read_text())["Blocks"]
    assert [b["Text"] for b in blocks if b["BlockType"] == "LINE"] == ["Hello from the command line"]
    assert not (out / "bad.json").exists()


def test_run_prints_text_and_trace(tmp_path, capsys):
    image, _ = render_page(["Plain text please"])
    path = tmp_path / "page.png"
    cv2.imwrite(str(path), image)
    assert main(["run", str(path), "--format", "text", "--trace"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "Plain text please\n"
    assert "Recognition" in captured.err and "ms" in captured.err
