"""``ocrflow run`` as a user calls it: files, folders, standard input, formats, --out, -j."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import pytest

from ocrflow import __version__
from ocrflow.cli import main
from ocrflow.synthetic import render_page


def write_page(path, lines) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), render_page(lines)[0])


def test_run_writes_outputs_and_reports_failures_per_file(tmp_path, capsys):
    good = tmp_path / "good.png"
    write_page(good, ["Hello from the command line"])
    bad = tmp_path / "bad.pdf"  # the extension lies; the bytes decide
    bad.write_bytes(b"MZ\x90\x00 this is an executable, not a PDF")
    out = tmp_path / "out"

    code = main(["run", str(good), str(bad), "--format", "textract", "--out", str(out)])

    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{bad}: UNSUPPORTED_FORMAT: unsupported document type: expected PDF, PNG, "
                   f"JPEG, TIFF, BMP or WebP (first bytes b'MZ\\x90\\x00 thi')"]
    written = list(out.rglob("*"))
    assert [p.name for p in written if p.is_file()] == ["good.textract.json"]
    blocks = json.loads(next(p for p in written if p.is_file()).read_text())["Blocks"]
    assert [b["Text"] for b in blocks if b["BlockType"] == "LINE"] == ["Hello from the command line"]


def test_run_prints_text_and_trace(tmp_path, capsys):
    path = tmp_path / "page.png"
    write_page(path, ["Plain text please"])
    assert main(["run", str(path), "--format", "text", "--trace"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "Plain text please\n"
    assert "Recognition" in captured.err and "ms" in captured.err


def test_a_folder_keeps_its_relative_paths_and_nothing_is_overwritten(tmp_path, capsys):
    folder = tmp_path / "scans"
    write_page(folder / "a" / "page.png", ["First folder"])
    write_page(folder / "b" / "page.png", ["Second folder"])
    write_page(folder / "top.png", ["At the top"])
    (folder / "notes.txt").write_text("not a document: skipped by its suffix")
    out = tmp_path / "out"
    assert main(["run", str(folder), "-r", "--format", "text", "--out", str(out), "-j", "2"]) == 0
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.txt")) == ["a/page.txt", "b/page.txt", "top.txt"]
    assert (out / "b" / "page.txt").read_text() == "Second folder\n"
    capsys.readouterr()
    assert main(["run", str(folder), "--format", "text", "--out", str(out)]) == 1  # without -r: top.png only
    assert capsys.readouterr().err.strip() == (f"{folder / 'top.png'}: OUTPUT_EXISTS: {out / 'top.txt'} exists; "
                                              "nothing written (--overwrite replaces it)")
    assert main(["run", str(folder), "--format", "text", "--out", str(out), "--overwrite"]) == 0


def test_two_inputs_that_would_write_one_file_are_not_both_written(tmp_path, capsys):
    write_page(tmp_path / "x" / "same.png", ["From x"])
    write_page(tmp_path / "y" / "same.png", ["From y"])
    out = tmp_path / "out"
    code = main(["run", str(tmp_path / "x" / "same.png"), str(tmp_path / "y" / "same.png"),
                 "--format", "text", "--out", str(out)])  # absolute paths: only the name is kept
    assert code == 1 and (out / "same.txt").read_text() == "From x\n"
    assert "OUTPUT_EXISTS" in capsys.readouterr().err


def test_standard_input_to_standard_output(tmp_path):
    path = tmp_path / "in.png"
    write_page(path, ["Read from a pipe"])
    run = subprocess.run([sys.executable, "-m", "ocrflow", "run", "-", "--format", "markdown"],
                         stdin=path.open("rb"), capture_output=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode() == "Read from a pipe\n" and run.stderr == b""


def test_version_and_an_empty_folder(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"ocrflow {__version__}"
    assert main(["run", str(tmp_path)]) == 2
