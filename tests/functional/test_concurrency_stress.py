"""Many documents at once give exactly what they give one at a time: ``ocrflow run -j 4`` over
a mix of multi-page PDFs (PDFium renders on four threads) and images, and four clients of one
daemon at the same time."""

from __future__ import annotations

import os
import subprocess
import sys

import cv2
import pytest

from ocrflow.synthetic import render_page, render_pdf

WORDS = ["Invoice", "Receipt", "Total", "Balance", "Statement", "Order", "Tax", "Due"]


def ocrflow(*args: str, env: dict, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ocrflow", *args], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finished(process: subprocess.Popen) -> tuple[int, bytes]:
    _, err = process.communicate(timeout=900)
    return process.returncode, err


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """22 documents: 14 PDFs of 2-3 small pages, 8 images."""
    folder = tmp_path_factory.mktemp("mix")
    for n in range(14):
        pages = [[f"{WORDS[n % 8]} {n}-{p}", f"Amount {n * 7 + p}.50"] for p in range(2 + n % 2)]
        (folder / f"doc{n:02d}.pdf").write_bytes(render_pdf(pages, size=(260.0, 110.0)))
    for n in range(8):
        image, _ = render_page([f"{WORDS[n]} image {n}", f"Line {n} of 8"], width=700, margin=40)
        cv2.imwrite(str(folder / f"img{n:02d}.{'png' if n % 2 else 'jpg'}"), image)
    return folder


def outputs(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_four_jobs_and_four_daemon_clients_give_the_sequential_outputs(documents, tmp_path):
    env = os.environ | {"OCRFLOW_DAEMON_DIR": str(tmp_path / "daemon")}
    names = sorted(p.name for p in documents.iterdir())
    assert len(names) == 22

    sequential = finished(ocrflow("run", "--no-daemon", "-j", "1", "--out", str(tmp_path / "one"), *names,
                                  env=env, cwd=documents))
    threaded = finished(ocrflow("run", "--no-daemon", "-j", "4", "--out", str(tmp_path / "four"), *names,
                                env=env, cwd=documents))
    assert sequential == threaded == (0, b"")
    expected = outputs(tmp_path / "one")
    assert len(expected) == 22 and outputs(tmp_path / "four") == expected

    started = subprocess.run([sys.executable, "-m", "ocrflow", "daemon", "start"], env=env, capture_output=True,
                             timeout=300)
    assert started.returncode == 0, started.stderr
    try:
        clients = [ocrflow("run", "-j", "2", "--out", str(tmp_path / "daemon-out"), *names[n::4], env=env,
                           cwd=documents) for n in range(4)]
        answers = [finished(client) for client in clients]
    finally:
        stopped = subprocess.run([sys.executable, "-m", "ocrflow", "daemon", "stop"], env=env, capture_output=True,
                                 timeout=300)
    assert stopped.returncode == 0
    for code, err in answers:  # served by the daemon in turn, or (told why) in their own process
        assert code == 0 and all(line.startswith(b"ocrflow: running in this process, not the daemon: the daemon "
                                                 b"is busy") for line in err.splitlines()), err
    assert outputs(tmp_path / "daemon-out") == expected
    assert "Traceback" not in (tmp_path / "daemon" / "log").read_text()
