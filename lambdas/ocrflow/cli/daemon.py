"""``ocrflow daemon start|stop|status``, and the client half of ``ocrflow run`` when one is running.

A fresh ``ocrflow run`` spends about 1.4 s of its 1.9 s on imports, moto's deployment of the
stack and the model loads before the first page. The daemon pays that once and keeps the same
local state machine, with the same task code, warm in a process of its own; ``ocrflow run``
then sends it its arguments and prints what comes back, and the process at the prompt imports
no more than this module. Nothing starts a daemon but ``ocrflow daemon start``, and ``ocrflow
run`` works the same without one.

This module is imported on every ``ocrflow run``: it imports only the standard library.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from .. import __version__
from .daemon_channel import (
    ANSWER_TIMEOUT_S,
    RUN_SILENCE_S,
    Unavailable,
    checked_directory,
    connect,
    directory,
    receive,
    send,
    settings_environment,
    timeouts_of,
)
from . import languages
from .output import current_umask

DEFAULT_IDLE_MINUTES = 60
START_TIMEOUT_S = 180.0  # the warm-up page included; models are fetched before, by `ocrflow models fetch`


def forward(argv: list[str]) -> int | None:
    """Run ``ocrflow ARGV`` (``run ...``) in the daemon: its exit code, or None to run in this process
    (no daemon, or one that cannot or will not run this request as this process would, said on stderr)."""
    if "--no-daemon" in argv or any(a.startswith("--stage-backend") for a in argv):
        return None  # saves the round trip; the daemon parses every request with the real parser too
    try:
        connection = connect(directory())
    except Unavailable as exc:
        local(str(exc))
        return None
    if connection is None:
        return None
    # -l's settings are part of the environment the daemon is asked with: one loaded for others refuses
    environment = settings_environment() | languages.settings_environment(languages.from_argv(argv[1:]) or ())
    with connection:
        try:
            send(connection, {"kind": "run", "value": {
                "version": __version__, "environment": environment, "argv": argv, "cwd": os.getcwd(),
                "tty": sys.stderr.isatty(), "umask": current_umask()}})  # umask: for the files written for it
            kind, value = receive(connection)
            while kind == "queued":  # another client's run first; the daemon says so every second
                kind, value = receive(connection)
        except (EOFError, OSError, ValueError) as exc:
            local(f"the daemon did not answer within {ANSWER_TIMEOUT_S:.0f} s ({describe(exc)})")
            return None
        if kind == "local":
            if value:
                local(str(value))
            return None
        if kind != "accepted":
            local(f"the daemon answered {kind!r}")
            return None
        return _accepted(connection, argv)


def _accepted(connection, argv: list[str]) -> int:
    try:
        connection.send_bytes(sys.stdin.buffer.read() if "-" in argv else b"")
        timeouts_of(connection, RUN_SILENCE_S)  # the daemon says it is alive every few seconds
        while True:
            kind, value = receive(connection)
            if kind == "exit":
                return value
            if kind in ("out", "err"):
                stream = sys.stdout if kind == "out" else sys.stderr
                stream.buffer.write(value)
                stream.flush()
    except (EOFError, OSError, ValueError) as exc:
        print(f"ocrflow: the daemon stopped answering ({describe(exc)}); see {directory() / 'log'}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # the daemon stops the run at its next write here (an output, the bar)
        return 130


def local(reason: str) -> None:
    print(f"ocrflow: running in this process, not the daemon: {reason}", file=sys.stderr)


def describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def request(command: str, where: Path | None = None) -> dict | None:
    """A status or stop answer from the daemon, or None when none runs; ``Unavailable`` when one
    cannot be used or does not answer in time."""
    connection = connect(where or directory())
    if connection is None:
        return None
    with connection:
        try:
            send(connection, {"kind": command})
            kind, value = receive(connection)
        except (EOFError, OSError, ValueError) as exc:
            raise Unavailable(f"the daemon did not answer within {ANSWER_TIMEOUT_S:.0f} s ({describe(exc)})") \
                from exc
        return value if kind == command and isinstance(value, dict) else None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument("--idle-timeout", type=float, default=DEFAULT_IDLE_MINUTES, metavar="MINUTES",
                        help=f"start: stop after this long without a run (default {DEFAULT_IDLE_MINUTES}; 0: never)")


def run(args: argparse.Namespace) -> int:
    return {"start": start, "stop": stop, "status": status}[args.action](args)


def start(args: argparse.Namespace) -> int:
    where = directory()
    try:
        running = request("status", where)
        if running is not None:
            print(f"ocrflow daemon: already running (pid {running['pid']}, {where})")
            return 0
        where.mkdir(parents=True, exist_ok=True, mode=0o700)  # an existing directory keeps its mode: checked
        checked_directory(where)
    except Unavailable as exc:
        print(f"ocrflow daemon: not started: {exc}", file=sys.stderr)
        return 1
    with open(where / "log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "ocrflow.cli.daemon_server", str(where), str(args.idle_timeout * 60)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:  # the socket appears once the stages are warm
        answer = _answer("status", where) if process.poll() is None else None
        if answer is not None:
            print(f"ocrflow daemon: started (pid {answer['pid']}, warm in {answer['warm_up_s']:.1f} s); "
                  "`ocrflow run` uses it until `ocrflow daemon stop`")
            return 0
        if process.poll() is not None:
            break
        time.sleep(0.1)
    else:
        process.terminate()
    tail = (where / "log").read_text(errors="replace").splitlines()[-5:]
    print("ocrflow daemon: did not start:\n  " + "\n  ".join(tail), file=sys.stderr)
    return 1


def _answer(command: str, where: Path) -> dict | None:
    try:
        return request(command, where)
    except Unavailable:
        return None


def stop(args: argparse.Namespace) -> int:
    try:
        answer = request("stop")
    except Unavailable as exc:
        print(f"ocrflow daemon: {exc}", file=sys.stderr)
        return 1
    if answer is None:
        print("ocrflow daemon: not running")
        return 0
    deadline = time.monotonic() + 30  # a run in progress finishes first
    while time.monotonic() < deadline and (directory() / "socket").exists():
        time.sleep(0.05)
    print(f"ocrflow daemon: stopped (pid {answer['pid']}, {answer['documents']} documents)")
    return 0


def status(args: argparse.Namespace) -> int:
    try:
        answer = request("status")
    except Unavailable as exc:
        print(f"ocrflow daemon: {exc}", file=sys.stderr)
        return 1
    if answer is None:
        print("ocrflow daemon: not running")
        return 3  # as `systemctl status` says "not running"
    print(f"ocrflow daemon: running, pid {answer['pid']}, ocrflow {answer['version']}, up {answer['up_s']:.0f} s, "
          f"{answer['documents']} documents, {answer['rss_mb']:.0f} MB resident, {directory()}")
    return 0
