"""The daemon behind ``ocrflow daemon start``: one warm ``LocalRunner`` (the local state machine,
the task code, the loaded models) serving ``ocrflow run`` requests on a Unix socket, one at a time.

Each request is the command line as the user typed it, run by the same ``ocrflow run`` code
against the warm runner, with its standard streams sent back as they are written, so progress
bars, per-file errors and exit codes are what the user would have seen without the daemon.
``python -m ocrflow.local.daemon DIRECTORY IDLE_SECONDS`` is how ``ocrflow daemon start``
launches it; the socket appears once the warm-up page has run.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import signal
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path

from .. import __version__
from ..cli.daemon import settings_environment
from ..errors import OcrflowError

# moto keeps every object the runs wrote (inputs, page images, results) in memory: a runner that
# holds this many documents, or a process this large, is replaced by a fresh one after the answer.
RECYCLE_DOCUMENTS = 200
RECYCLE_RSS_MB = 2048


class _Sent(io.RawIOBase):
    """A standard stream whose writes go to the client as they happen. Documents run in threads
    (``-j``), and a connection is not safe to send on from two at once: one lock per client."""

    def __init__(self, connection, kind: str, tty: bool, lock: threading.Lock) -> None:
        self.connection, self.kind, self.tty, self.lock = connection, kind, tty, lock

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:  # tqdm draws its bar only for a terminal: the client's
        return self.tty

    def write(self, data) -> int:
        with self.lock:
            self.connection.send((self.kind, bytes(data)))
        return len(data)


def _text(raw: io.RawIOBase) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding="utf-8", write_through=True, line_buffering=True)


@contextlib.contextmanager
def _client_streams(connection, tty: bool, stdin: bytes | None):
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    lock = threading.Lock()
    sys.stdout = _text(_Sent(connection, "out", False, lock))
    sys.stderr = _text(_Sent(connection, "err", tty, lock))
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        sys.stdin, sys.stdout, sys.stderr = saved


def resident_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux: the peak instead
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


class Daemon:
    def __init__(self, directory: Path, idle_s: float) -> None:
        from ..cli import build_parser
        from ..tasks import TaskContext

        self.directory, self.idle_s = directory, idle_s
        self.environment = settings_environment()  # before the runner adds its own local defaults
        self.parser = build_parser()
        self.context = TaskContext()  # the models outlive a recycled runner
        self.started = self.last = time.monotonic()
        self.documents = 0
        self.runner = None
        self.busy = threading.Lock()

    def warm(self) -> None:
        """A fresh runner, deployed, with one rendered page through every state."""
        import cv2

        from ..synthetic import render_page
        from .runner import LocalRunner

        if self.runner is not None:
            self.runner.close()
        self.runner = LocalRunner(context=self.context, on_pages=lambda *_: None)
        self.held = 1  # documents in this stack's memory: the warm-up page first
        page, _ = render_page(["ocrflow daemon warm-up", "Invoice 2026-0417   Total 39.99"])
        outcome = self.runner.run_source(("warm-up.png", cv2.imencode(".png", page)[1].tobytes()),
                                         document_id=f"warm-up-{uuid.uuid4().hex}")
        if outcome.error is not None:
            raise RuntimeError(f"the warm-up page failed: {outcome.error.code}: {outcome.error.message}")

    def serve(self) -> None:
        from multiprocessing.connection import Listener

        start = time.monotonic()
        self.warm()
        self.warm_up_s = time.monotonic() - start
        key = secrets.token_bytes(32)
        old = os.umask(0o077)
        try:
            with contextlib.suppress(FileNotFoundError):  # a killed daemon's: `start` found none answering
                (self.directory / "socket").unlink()
            (self.directory / "authkey").write_bytes(key)
            self.listener = Listener(str(self.directory / "socket"), family="AF_UNIX", authkey=key)
        finally:
            os.umask(old)
        (self.directory / "pid").write_text(str(os.getpid()))
        threading.Thread(target=self._watch_idle, name="idle", daemon=True).start()
        print(f"ocrflow daemon {__version__}: pid {os.getpid()}, warm in {self.warm_up_s:.1f} s", flush=True)
        while True:
            try:
                connection = self.listener.accept()
            except (OSError, EOFError) as exc:  # a client that failed the handshake
                print(f"refused a connection: {exc}", flush=True)
                continue
            with self.busy, connection:
                stop = self.handle(connection)
            self.last = time.monotonic()
            if stop:
                return
            with self.busy:
                self.recycle_if_full()

    def recycle_if_full(self) -> bool:
        """After an answer, so that the next client does not wait for it."""
        if self.held < RECYCLE_DOCUMENTS and resident_mb() <= RECYCLE_RSS_MB:
            return False
        print(f"a fresh stack after {self.held} documents, {resident_mb():.0f} MB resident", flush=True)
        self.warm()
        return True

    def handle(self, connection) -> bool:
        """One client; True when it asked the daemon to stop."""
        try:
            request = connection.recv()
            command = request.get("command")
            if command in ("status", "stop"):
                connection.send((command, self.status()))
                return command == "stop"
            refusal = self.refusal(request)
            connection.send(("refused", refusal) if refusal else ("accepted", None))
            if refusal is None:
                stdin = connection.recv()
                connection.send(("exit", self.run(connection, request, stdin)))
        except (EOFError, OSError) as exc:  # the client went away (Ctrl-C): the daemon stays
            print(f"client gone: {exc or type(exc).__name__}", flush=True)
        except Exception:  # noqa: BLE001 - a malformed request: logged, and the next one served
            traceback.print_exc()
        return False

    def refusal(self, request: dict) -> str | None:
        if request.get("version") != __version__:
            return f"it runs ocrflow {__version__}, this is {request.get('version')} (ocrflow daemon stop)"
        if request.get("environment") != self.environment:
            changed = sorted(set(request["environment"].items()) ^ set(self.environment.items()))
            return "it was started with other settings: " + ", ".join(sorted({k for k, _ in changed}))
        return None

    def run(self, connection, request: dict, stdin: bytes | None) -> int:
        from ..cli import run as run_command

        here = os.getcwd()
        with _client_streams(connection, request["tty"], stdin):
            try:
                os.chdir(request["cwd"])
                args = self.parser.parse_args(request["argv"])
                if args.command != "run":
                    print("ocrflow daemon: it runs `ocrflow run` only", file=sys.stderr)
                    return 2
                before = self.runner.machine.received  # one OcrCompleted or OcrFailed per document
                try:
                    return run_command.run(args, runner=self.runner)
                finally:
                    served = self.runner.machine.received - before
                    self.documents, self.held = self.documents + served, self.held + served
            except SystemExit as exc:  # --help, arguments argparse refused (it printed why), a message
                if isinstance(exc.code, str):
                    print(exc.code, file=sys.stderr)  # as the interpreter prints it, exiting with 1
                return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
            except OcrflowError as exc:
                print(f"ocrflow: {exc.code}: {exc.message}", file=sys.stderr)
                return 2
            except Exception:  # noqa: BLE001 - the client sees it; the daemon serves the next
                traceback.print_exc()
                return 70
            finally:
                os.chdir(here)

    def status(self) -> dict:
        return {"pid": os.getpid(), "version": __version__, "up_s": time.monotonic() - self.started,
                "documents": self.documents, "rss_mb": resident_mb(), "warm_up_s": self.warm_up_s}

    def _watch_idle(self) -> None:
        while self.idle_s > 0:
            time.sleep(min(30.0, self.idle_s))
            if not self.busy.locked() and time.monotonic() - self.last > self.idle_s:
                print(f"idle for {self.idle_s:.0f} s: stopping", flush=True)
                self.cleanup()
                os._exit(0)

    def cleanup(self) -> None:
        """The listener's own close unlinks its socket (its finalizer would, again, at exit)."""
        listener = getattr(self, "listener", None)
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.close()
        for name in ("socket", "pid", "authkey"):
            with contextlib.suppress(OSError):
                (self.directory / name).unlink()


def main(directory: str, idle_s: str) -> int:
    daemon = Daemon(Path(directory), float(idle_s))
    signal.signal(signal.SIGTERM, lambda *_: (daemon.cleanup(), os._exit(0)))
    try:
        daemon.serve()
    finally:
        daemon.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
