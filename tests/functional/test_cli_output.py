"""``ocrflow run --out``: files are created exclusively and never through a symbolic link; Ctrl-C
at any moment is exit 130 and one line, and leaves no partial output file."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import cv2
import pytest

from ocrflow.cli import main
from ocrflow.synthetic import render_page, render_pdf


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    path = tmp_path_factory.mktemp("in") / "scan.png"
    cv2.imwrite(str(path), render_page(["Written once"])[0])
    return path


def test_a_dangling_link_at_the_output_is_not_written_through(tmp_path, scan, capsys):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere.txt"
    out.mkdir()
    (out / "scan.txt").symlink_to(elsewhere)  # exists() is False for it

    assert main(["run", str(scan), "--format", "text", "--out", str(out)]) == 1

    assert capsys.readouterr().err == (f"{scan}: OUTPUT_EXISTS: {out / 'scan.txt'} is a symbolic link; nothing "
                                       "written (--overwrite replaces the link, not its target)\n")
    assert not elsewhere.exists() and (out / "scan.txt").is_symlink()
    assert sorted(p.name for p in out.iterdir()) == ["scan.txt"]  # no temporary file left


def test_overwrite_replaces_the_link_and_never_its_target(tmp_path, scan, capsys):
    out, target = tmp_path / "out", tmp_path / "precious.txt"
    out.mkdir()
    target.write_text("keep me")
    (out / "scan.txt").symlink_to(target)

    assert main(["run", str(scan), "--format", "text", "--out", str(out), "--overwrite"]) == 0

    assert target.read_text() == "keep me"
    assert not (out / "scan.txt").is_symlink() and (out / "scan.txt").read_text() == "Written once\n"


def test_a_linked_folder_below_out_is_not_followed(tmp_path, scan, capsys, monkeypatch):
    elsewhere, out = tmp_path / "elsewhere", tmp_path / "out"
    elsewhere.mkdir()
    out.mkdir()
    (out / "in").symlink_to(elsewhere, target_is_directory=True)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "scan.png").write_bytes(scan.read_bytes())
    monkeypatch.chdir(tmp_path)

    assert main(["run", "in/scan.png", "--format", "text", "--out", "out"]) == 1

    assert "OUTPUT_EXISTS: out/in is a symbolic link" in capsys.readouterr().err
    assert list(elsewhere.iterdir()) == []


def test_outputs_are_created_with_the_umask(tmp_path, scan, capsys):
    old = os.umask(0o027)
    try:
        assert main(["run", str(scan), "--format", "text", "--out", str(tmp_path / "out" / "deeper")]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out" / "deeper" / "scan.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "out" / "deeper").stat().st_mode) == 0o750


def test_ctrl_c_during_inference_exits_130_with_one_line_and_no_partial_file(tmp_path):
    for n in range(4):
        (tmp_path / f"doc{n}.pdf").write_bytes(render_pdf([[f"Document {n} page {p}", "Balance 1,204.50"] * 4
                                                           for p in range(4)]))
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "ocrflow", "run", "--no-daemon", "-j", "2", "--format", "json",
                              "--out", str(out), *sorted(map(str, tmp_path.glob("*.pdf")))],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while not any(out.glob("*.json")) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # one document written: the others are in inference on their threads
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=120)

    assert (child.returncode, stderr) == (130, b"ocrflow: interrupted\n")
    names = sorted(p.name for p in out.iterdir())
    assert names and all(name.endswith(".json") and not name.startswith(".") for name in names), names
    for written in out.iterdir():
        assert written.read_bytes().rstrip().endswith(b"}")  # whole, as json.loads would check


def test_an_output_that_cannot_be_written_is_one_line_not_a_traceback(tmp_path, scan, capsys):
    (tmp_path / "out").write_text("a file where the folder should be")
    assert main(["run", str(scan), "--format", "text", "--out", str(tmp_path / "out" / "sub")]) == 1
    assert capsys.readouterr().err.startswith(f"{scan}: STORAGE_ERROR: cannot write {tmp_path / 'out' / 'sub'}")
