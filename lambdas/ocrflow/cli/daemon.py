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
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import time
from pathlib import Path

from .. import __version__
from .output import current_umask

DIRECTORY_VARIABLE = "OCRFLOW_DAEMON_DIR"
DEFAULT_IDLE_MINUTES = 60
START_TIMEOUT_S = 180.0  # the warm-up page included; models are fetched before, by `ocrflow models fetch`
ANSWER_TIMEOUT_S = 5.0  # connect, handshake, each answer before a run starts (the daemon answers in ms)
RUN_SILENCE_S = 60.0  # during a run the daemon writes at least every HEARTBEAT_S; this long silent is gone
HEARTBEAT_S = 2.0
MESSAGE_LIMIT = 1 << 20  # a request: argv, working directory, OCRFLOW_* settings; an output chunk
STREAMS = {b"\x01": "out", b"\x02": "err"}  # a stream chunk's first byte; a control message starts with {


def directory() -> Path:
    """Where the socket, its key, the pid and the log live (one daemon per directory)."""
    return Path(os.environ.get(DIRECTORY_VARIABLE) or Path.home() / ".cache" / "ocrflow" / "daemon")


def settings_environment() -> dict[str, str]:
    """The variables a run's settings come from: a daemon started under others would read differently."""
    return {k: v for k, v in os.environ.items() if k.startswith("OCRFLOW_") and k != DIRECTORY_VARIABLE}


class Unavailable(Exception):
    """No daemon can be used here; the message says why (None: none is running, nothing to say)."""


def unsafe(path: Path, st: os.stat_result, kind: str) -> str | None:
    """Why ``path`` (lstat'ed or fstat'ed as ``st``) must not be trusted: whoever else can write the
    directory, or read the key, could answer in the daemon's place or impersonate a client."""
    expected = stat.S_ISDIR if kind == "directory" else stat.S_ISREG
    if not expected(st.st_mode):
        return f"{path} is not a {kind} (a link or something else)"
    if st.st_uid != os.getuid():
        return f"{path} belongs to uid {st.st_uid}, not to you ({os.getuid()})"
    if st.st_mode & 0o077:
        return f"{path} is open to group or others (mode {stat.S_IMODE(st.st_mode):03o}; chmod go= it)"
    return None


def checked_directory(where: Path) -> None:
    """Raise ``Unavailable`` unless ``where`` is a directory of this user's that no one else can use."""
    try:
        reason = unsafe(where, os.lstat(where), "directory")
    except OSError as exc:
        raise Unavailable(f"{where}: {exc.strerror}") from exc
    if reason:
        raise Unavailable(f"not using the daemon directory: {reason}")


def read_key(where: Path) -> bytes:
    """The daemon's key, read through a descriptor whose file is checked (never through a link)."""
    path = where / "authkey"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise Unavailable(f"{path}: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as key:
        reason = unsafe(path, os.fstat(key.fileno()), "file")
        if reason:
            raise Unavailable(f"not using the daemon key: {reason}")
        return key.read(1024)


def timeouts(sock: socket.socket, seconds: float) -> None:
    """Kernel-level timeouts on a blocking socket: a read or write that waits longer fails with an
    OSError, wherever it happens (the handshake included)."""
    value = struct.pack("ll", int(seconds), int((seconds % 1) * 1e6))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, value)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, value)


def send(connection, message: dict) -> None:
    """A control message, as JSON (nothing on this socket is ever unpickled)."""
    connection.send_bytes(json.dumps(message).encode())


def receive(connection, limit: int = MESSAGE_LIMIT) -> tuple[str, object]:
    """(kind, value): ``out``/``err`` bytes for a stream, else a control message's kind and body."""
    data = connection.recv_bytes(limit)
    if data[:1] in STREAMS:
        return STREAMS[data[:1]], data[1:]
    message = json.loads(data)
    if not isinstance(message, dict) or not isinstance(message.get("kind"), str):
        raise OSError("a message that is not ocrflow's")
    return message["kind"], message.get("value")


def connect(where: Path | None = None):
    """An authenticated connection to the running daemon (its socket and key checked first).
    None when none runs (no socket, or a killed daemon's); ``Unavailable`` when one may run but
    cannot be used or does not answer in time."""
    from multiprocessing.connection import AuthenticationError, Connection, answer_challenge, deliver_challenge

    where = where or directory()
    path = where / "socket"
    if not path.exists():
        return None
    checked_directory(where)
    try:
        key = read_key(where)
    except FileNotFoundError:
        return None  # a socket without a key: a killed daemon's
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(ANSWER_TIMEOUT_S)
        sock.connect(str(path))
        sock.settimeout(None)
        timeouts(sock, ANSWER_TIMEOUT_S)
    except (ConnectionRefusedError, FileNotFoundError):
        sock.close()
        return None  # a killed daemon's socket
    except OSError as exc:
        sock.close()
        raise Unavailable(f"the daemon did not accept the connection ({exc.strerror or exc})") from exc
    connection = Connection(sock.detach())
    try:
        answer_challenge(connection, key)
        deliver_challenge(connection, key)
    except (OSError, EOFError) as exc:
        connection.close()
        raise Unavailable(f"the daemon did not answer within {ANSWER_TIMEOUT_S:.0f} s") from exc
    except AuthenticationError as exc:
        connection.close()
        raise Unavailable(f"the daemon's key does not match ({exc})") from exc
    return connection


def forward(argv: list[str]) -> int | None:
    """Run ``ocrflow ARGV`` (``run ...``) in the daemon: its exit code, or None to run in this process
    (no daemon, or one that cannot or will not run this request as this process would, said on stderr)."""
    if "--no-daemon" in argv or any(a.startswith("--stage-backend") for a in argv):
        return None  # saves the round trip; the daemon parses every request with the real parser too
    try:
        connection = connect()
    except Unavailable as exc:
        return local(str(exc))
    if connection is None:
        return None
    with connection:
        try:
            send(connection, {"kind": "run", "value": {
                "version": __version__, "environment": settings_environment(), "argv": argv, "cwd": os.getcwd(),
                "tty": sys.stderr.isatty(), "umask": current_umask()}})  # umask: for the files written for it
            kind, value = receive(connection)
            while kind == "queued":  # another client's run first; the daemon says so every second
                kind, value = receive(connection)
        except (EOFError, OSError, ValueError) as exc:
            return local(f"the daemon did not answer within {ANSWER_TIMEOUT_S:.0f} s ({describe(exc)})")
        if kind == "local":
            return local(value) if value else None
        if kind != "accepted":
            return local(f"the daemon answered {kind!r}")
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


def timeouts_of(connection, seconds: float) -> None:
    with socket.socket(fileno=os.dup(connection.fileno())) as sock:  # the same socket, another descriptor
        timeouts(sock, seconds)


def local(reason: str) -> None:
    print(f"ocrflow: running in this process, not the daemon: {reason}", file=sys.stderr)
    return None


def describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def request(command: str, where: Path | None = None) -> dict | None:
    """A status or stop answer from the daemon, or None when none runs; ``Unavailable`` when one
    cannot be used or does not answer in time."""
    connection = connect(where)
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
            [sys.executable, "-m", "ocrflow.local.daemon", str(where), str(args.idle_timeout * 60)],
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
