"""What a daemon run sees of its client: the process's standard streams, sent to the client as
they are written (a run's progress bar, results and messages are what it would have printed),
and the command-line parser, silent, to decide before a run whether the request is the daemon's;
and the process's heap, kept to what a run needs."""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import io
import sys
import threading

from .daemon_channel import ERR, OUT


def log(message: str) -> None:
    """To the daemon's log: ``sys.stdout`` may be the running client's."""
    print(message, file=sys.__stdout__, flush=True)


class Unparsed(Exception):
    pass


class QuietParser(argparse.ArgumentParser):
    """The real parser, silent: a request it refuses (or ``--help``) is parsed again, aloud, in the run."""

    def exit(self, status=0, message=None):
        raise Unparsed

    def error(self, message):
        raise Unparsed

    def _print_message(self, message, file=None):
        pass


class _Sent(io.RawIOBase):
    """A standard stream whose writes go to the client as they happen. Documents run in threads
    (``-j``), and a connection is not safe to send on from two at once: one lock per client."""

    def __init__(self, connection, kind: bytes, tty: bool, lock: threading.Lock) -> None:
        self.connection, self.kind, self.tty, self.lock = connection, kind, tty, lock

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:  # tqdm draws its bar only for a terminal: the client's
        return self.tty

    def write(self, data) -> int:
        with self.lock:
            self.connection.send_bytes(self.kind + bytes(data))
        return len(data)


def _text(raw: io.RawIOBase) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", write_through=True, line_buffering=True)


@contextlib.contextmanager
def client_streams(connection, tty: bool, stdin: bytes | None, lock: threading.Lock):
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    sys.stdout = _text(_Sent(connection, OUT, False, lock))
    sys.stderr = _text(_Sent(connection, ERR, tty, lock))
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        sys.stdin, sys.stdout, sys.stderr = saved


M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
MALLOC_ARENAS = 2


def _glibc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except OSError:  # not glibc (macOS, musl): nothing to tune
        return None


def cap_malloc_arenas() -> None:
    """Before any thread starts: glibc gives each thread that allocates under contention an arena of
    its own (up to eight per core) and returns little of any of them. The daemon's threads (stage
    pools, onnxruntime, moto's executions, one per connection) allocate and free a page's tensors
    and images in one arena after another. Over 25 documents of mixed size in one runner (resident
    MB, peak / last): 1,864 / 1,718 as it was; 1,539 / 1,417 trimmed after each run; 1,326 / 1,087
    with two arenas too; 651 / 346 with onnxruntime's own arena off as well (that alone: worse,
    2.3 GB). moto's S3 held 55 MB of it. The same as MALLOC_ARENA_MAX=2 in its environment."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS)


def release_free_memory() -> None:
    """Hand the heap's free pages back to the system after a run (glibc's malloc_trim; a few ms)."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
