"""``ocrflow daemon``: ``ocrflow run`` answered by a warm process gives what it gives without one,
and falls back to running in process where the daemon would read differently."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import cv2
import pytest

from ocrflow.cli import main
from ocrflow.synthetic import render_page


def ocrflow(*args: str, env: dict, cwd=None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocrflow", *args], env=env, cwd=cwd, input=stdin,
                          capture_output=True, timeout=300)


def served(env: dict) -> int:
    status = ocrflow("daemon", "status", env=env)
    assert status.returncode == 0, status.stdout
    return int(status.stdout.decode().split(" documents")[0].rsplit(", ", 1)[1])


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    where = tmp_path_factory.mktemp("daemon")
    env = os.environ | {"OCRFLOW_DAEMON_DIR": str(where)}
    started = ocrflow("daemon", "start", env=env)
    assert started.returncode == 0, started.stderr
    yield env
    assert ocrflow("daemon", "stop", env=env).returncode == 0
    assert ocrflow("daemon", "status", env=env).returncode == 3 and not (where / "socket").exists()
    assert "Traceback" not in (where / "log").read_text()


def test_a_run_through_the_daemon_prints_what_a_run_in_process_prints(daemon, tmp_path, capsys):
    page = tmp_path / "invoice.png"
    cv2.imwrite(str(page), render_page(["Invoice 4471", "Total due 1,250.00"])[0])
    before = served(daemon)

    warm = ocrflow("run", str(page), "--format", "json", env=daemon)

    assert warm.returncode == 0 and warm.stderr == b"", warm.stderr
    assert served(daemon) == before + 1
    assert main(["run", str(page), "--format", "json"]) == 0  # in this process
    assert warm.stdout.decode() == capsys.readouterr().out


def test_relative_paths_standard_input_and_failures_are_the_clients(daemon, tmp_path):
    cv2.imwrite(str(tmp_path / "page.png"), render_page(["Relative to the caller"])[0])
    (tmp_path / "notes.pdf").write_bytes(b"plain text, not a PDF")
    before = served(daemon)

    run = ocrflow("run", "page.png", "notes.pdf", "--format", "text", "--out", "out", env=daemon, cwd=tmp_path)

    assert run.returncode == 1
    assert run.stderr.decode().startswith("notes.pdf: UNSUPPORTED_FORMAT: ")
    assert (tmp_path / "out" / "page.txt").read_text() == "Relative to the caller\n"
    piped = ocrflow("run", "-", "--format", "text", env=daemon, stdin=(tmp_path / "page.png").read_bytes())
    assert piped.returncode == 0 and piped.stdout == b"Relative to the caller\n"
    assert served(daemon) == before + 1  # the refused PDF never reached the state machine; the pipe was a duplicate
    assert ocrflow("run", "--bogus", env=daemon).returncode == 2


def test_other_settings_or_no_daemon_run_in_process(daemon, tmp_path):
    page = tmp_path / "page.png"
    cv2.imwrite(str(page), render_page(["Settings of its own"])[0])
    before = served(daemon)

    other = ocrflow("run", str(page), "--format", "text", env=daemon | {"OCRFLOW_RECOGNITION_BATCH_SIZE": "3"})
    unasked = ocrflow("run", str(page), "--format", "text", "--no-daemon", env=daemon)

    assert other.stdout == unasked.stdout == b"Settings of its own\n"
    assert b"not the daemon: it was started with other settings: OCRFLOW_RECOGNITION_BATCH_SIZE" in other.stderr
    assert unasked.stderr == b""
    assert served(daemon) == before


def test_an_idle_daemon_stops_by_itself_and_a_killed_ones_socket_is_replaced(tmp_path):
    env = os.environ | {"OCRFLOW_DAEMON_DIR": str(tmp_path)}
    (tmp_path / "socket").touch()  # left by a daemon killed with SIGKILL
    run = ocrflow("run", "--help", env=env)  # nothing answers there: this process runs it
    assert run.returncode == 0 and b"--no-daemon" in run.stdout and run.stderr == b""
    assert ocrflow("daemon", "start", "--idle-timeout", "0.02", env=env).returncode == 0
    deadline = time.monotonic() + 30
    while (tmp_path / "socket").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not (tmp_path / "socket").exists()
    assert "idle for 1 s: stopping" in (tmp_path / "log").read_text()


def test_a_full_stack_is_replaced_and_the_models_are_kept(tmp_path, monkeypatch):
    from ocrflow.cli import daemon_server as module

    daemon = module.Daemon(tmp_path, idle_s=0)
    daemon.warm()
    first, stages = daemon.runner, dict(daemon.context.stages._built)
    try:
        assert daemon.recycle_if_full() is False
        monkeypatch.setattr(module, "RECYCLE_DOCUMENTS", 1)
        assert daemon.recycle_if_full() is True
        assert daemon.runner is not first and first._machine is None  # the old stack closed
        assert daemon.context.stages._built == stages  # the same loaded stage objects
        page = tmp_path / "after.png"
        cv2.imwrite(str(page), render_page(["After the recycling"])[0])
        assert daemon.runner.run_file(page).error is None
    finally:
        daemon.runner.close()
