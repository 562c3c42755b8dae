"""The daemon's channel, both ends: where it may be trusted, how it authenticates, what crosses it.

Whoever can write the daemon directory, or read its key, could answer in the daemon's place and
receive every ``ocrflow run``'s arguments, working directory, settings and standard input; so
the directory and key are used only when they are this user's own, closed to group and others
(the key read through a descriptor, never a link). Both ends authenticate with HMAC challenges
(``multiprocessing.connection``'s); messages are JSON or raw stream bytes, never pickles; every
read and write has a kernel timeout, so neither end waits for ever on the other.

Imported on every ``ocrflow run`` (by ``cli.daemon``, the client; ``daemon_server`` is the other end): the
standard library only, so ``OCRFLOW_DAEMON_DIR`` is read here rather than through ``ocrflow.settings`` (pydantic).
"""

from __future__ import annotations

import json
import os
import socket
import stat
import struct
from pathlib import Path
from typing import Any

ANSWER_TIMEOUT_S = 5.0  # connect, handshake, each answer before a run starts (the daemon answers in ms)
RUN_SILENCE_S = 60.0  # during a run the daemon writes at least every HEARTBEAT_S; this long silent is gone
HEARTBEAT_S = 2.0
MESSAGE_LIMIT = 1 << 20  # a request: argv, working directory, OCRFLOW_* settings; an output chunk
OUT, ERR = b"\x01", b"\x02"  # a stream chunk's first byte; a control message starts with {
STREAMS = {OUT: "out", ERR: "err"}
DIRECTORY_VARIABLE = "OCRFLOW_DAEMON_DIR"


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


def receive(connection, limit: int = MESSAGE_LIMIT) -> tuple[str, Any]:
    """(kind, value): ``out``/``err`` bytes for a stream, else a control message's kind and body."""
    data = connection.recv_bytes(limit)
    if data[:1] in STREAMS:
        return STREAMS[data[:1]], data[1:]
    message = json.loads(data)
    if not isinstance(message, dict) or not isinstance(message.get("kind"), str):
        raise OSError("a message that is not ocrflow's")
    return message["kind"], message.get("value")


def connect(where: Path):
    """An authenticated connection to the running daemon (its socket and key checked first).
    None when none runs (no socket, or a killed daemon's); ``Unavailable`` when one may run but
    cannot be used or does not answer in time."""
    # multiprocessing's connection only once a daemon answers
    from multiprocessing import AuthenticationError
    from multiprocessing.connection import Connection, answer_challenge, deliver_challenge

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


def timeouts_of(connection, seconds: float) -> None:
    with socket.socket(fileno=os.dup(connection.fileno())) as sock:  # the same socket, another descriptor
        timeouts(sock, seconds)
