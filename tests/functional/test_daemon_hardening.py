"""``ocrflow run``'s daemon client trusts nothing it finds: a directory or key that others can
use, a socket that does not answer, a daemon busy with a stalled client. Each falls back to
running in process and says why; the daemon parses requests with the real parser and writes
with the client's umask."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading

import cv2
import pytest

from ocrflow.synthetic import render_page
from tests.functional.test_daemon import daemon, ocrflow, served  # noqa: F401 - the module's daemon fixture

BOUND = 60  # seconds; main hung for ever here


def page(path, text: str):
    cv2.imwrite(str(path), render_page([text])[0])
    return path


def planted(where, mode: int, key_mode: int = 0o600):
    """A directory with a socket and key that someone else could have put there, and a listener
    that records whoever connects (the client would send it its argv, cwd and standard input)."""
    from multiprocessing.connection import Listener

    where.mkdir(exist_ok=True)
    where.chmod(mode)
    (where / "authkey").write_bytes(b"k" * 32)
    (where / "authkey").chmod(key_mode)
    listener = Listener(str(where / "socket"), family="AF_UNIX", authkey=b"k" * 32)
    reached = []

    def accept():
        try:
            with listener.accept() as connection:
                reached.append(connection.recv())
        except Exception as exc:  # noqa: BLE001
            reached.append(exc)

    threading.Thread(target=accept, daemon=True).start()
    return listener, reached


@pytest.mark.parametrize("mode,key_mode,why", [
    (0o777, 0o600, b"is open to group or others (mode 777"),
    (0o700, 0o644, b"authkey is open to group or others (mode 644"),
])
def test_a_directory_or_key_others_can_use_is_not_trusted(tmp_path, mode, key_mode, why):
    where = tmp_path / "daemon"
    listener, reached = planted(where, mode, key_mode)
    env = os.environ | {"OCRFLOW_DAEMON_DIR": str(where)}
    try:
        run = ocrflow("run", str(page(tmp_path / "p.png", "Mine alone")), "--format", "text", env=env)
        start = ocrflow("daemon", "start", env=env)
    finally:
        listener.close()
    assert run.returncode == 0 and run.stdout == b"Mine alone\n"
    assert run.stderr.startswith(b"ocrflow: running in this process, not the daemon: ") and why in run.stderr
    assert start.returncode == 1 and why in start.stderr
    assert reached == []


def test_a_directory_of_another_user_is_not_trusted(tmp_path):
    if os.getuid() != 0:
        pytest.skip("giving a directory to another user needs root")
    where = tmp_path / "daemon"
    listener, reached = planted(where, 0o700)
    os.chown(where, 65534, 65534)
    try:
        run = ocrflow("run", str(page(tmp_path / "p.png", "Mine alone")), "--format", "text",
                      env=os.environ | {"OCRFLOW_DAEMON_DIR": str(where)})
    finally:
        listener.close()
    assert run.stdout == b"Mine alone\n" and b"belongs to uid 65534" in run.stderr and reached == []


def test_a_socket_that_never_answers_is_left_behind_with_a_reason(tmp_path):
    where = tmp_path / "daemon"
    where.mkdir(mode=0o700)
    (where / "authkey").write_bytes(b"k" * 32)
    (where / "authkey").chmod(0o600)
    silent = socket.socket(socket.AF_UNIX)
    silent.bind(str(where / "socket"))
    silent.listen(8)  # connections queue; nobody ever accepts or answers
    env = os.environ | {"OCRFLOW_DAEMON_DIR": str(where)}
    try:
        run = subprocess.run([sys.executable, "-m", "ocrflow", "run", str(page(tmp_path / "p.png", "Not waiting")),
                              "--format", "text"], env=env, capture_output=True, timeout=BOUND)
        status = subprocess.run([sys.executable, "-m", "ocrflow", "daemon", "status"], env=env,
                                capture_output=True, timeout=BOUND)
    finally:
        silent.close()
    assert run.returncode == 0 and run.stdout == b"Not waiting\n"
    assert run.stderr.startswith(b"ocrflow: running in this process, not the daemon: the daemon did not answer")
    assert status.returncode == 1 and b"did not answer" in status.stderr


def test_a_stalled_connection_does_not_hold_up_other_clients(daemon, tmp_path):  # noqa: F811
    where = daemon["OCRFLOW_DAEMON_DIR"]
    stalled = socket.socket(socket.AF_UNIX)
    stalled.connect(os.path.join(where, "socket"))  # and then says nothing
    try:
        before = served(daemon)
        run = subprocess.run([sys.executable, "-m", "ocrflow", "run", str(page(tmp_path / "p.png", "Next in line")),
                              "--format", "text"], env=daemon, capture_output=True, timeout=BOUND)
        assert (run.returncode, run.stdout, run.stderr) == (0, b"Next in line\n", b"")
        assert served(daemon) == before + 1
    finally:
        stalled.close()


@pytest.mark.parametrize("flag", [["--no-d"], ["--no-daemon"], ["--stage", "text_detection=sagemaker_async"],
                                  ["--stage-b=fused=sagemaker_async"]])
def test_flags_are_read_by_the_real_parser_however_abbreviated(daemon, tmp_path, flag):  # noqa: F811
    before = served(daemon)
    run = ocrflow("run", str(page(tmp_path / "p.png", "Parsed properly")), "--format", "text", *flag, env=daemon)
    assert run.returncode == 0 and run.stdout == b"Parsed properly\n"
    assert served(daemon) == before  # it ran in the client's process, as asked
    if "--no-d" not in flag[0]:
        assert b"--stage-backend" in run.stderr


def test_files_the_daemon_writes_have_the_clients_umask(daemon, tmp_path):  # noqa: F811
    source = page(tmp_path / "p.png", "Private output")
    before = served(daemon)
    run = subprocess.run(f"umask 077 && exec {sys.executable} -m ocrflow run {source} --format text --out out",
                         shell=True, env=daemon, cwd=tmp_path, capture_output=True, timeout=BOUND)
    assert run.returncode == 0 and run.stderr == b"" and served(daemon) == before + 1
    assert stat.S_IMODE((tmp_path / "out" / "p.txt").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700
