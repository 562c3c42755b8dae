"""The daemon behind ``ocrflow daemon start``: one warm ``LocalRunner`` (the local state machine,
the task code, the loaded models) serving ``ocrflow run`` requests on a Unix socket, one at a time.

Each connection has a thread of its own: its handshake, its request and its answers are bounded
by kernel timeouts, so a client that connects and says nothing, or stops reading, holds up no
one. Runs take turns (the process's standard streams are the running client's); a client waits
for its turn at most ``QUEUE_S`` (told every second that it waits), then runs in its own process.
Requests and answers are JSON and raw bytes, never pickles. The request's command line is parsed
by the real parser before the daemon accepts it: what must run in the client's process
(``--no-daemon``, ``--stage-backend``, however abbreviated) is handed back.

Each request is the command line as the user typed it, run by the same ``ocrflow run`` code
against the warm runner, with its standard streams sent back as they are written, so progress
bars, per-file errors and exit codes are what the user would have seen without the daemon.
``python -m ocrflow.cli.daemon_server DIRECTORY IDLE_SECONDS`` is how ``ocrflow daemon start``
launches it; the socket appears once the warm-up page has run.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__
from ..errors import OcrflowError
from .daemon_channel import HEARTBEAT_S, receive, send, settings_environment, timeouts, timeouts_of
from .daemon_io import QuietParser, Unparsed, cap_malloc_arenas, client_streams, log, release_free_memory

if TYPE_CHECKING:  # built at warm-up: moto and the models load in the daemon, not on import
    from ..local.runner import LocalRunner

# moto keeps every object the runs wrote (inputs, page images, results) in memory: a runner that
# holds this many documents, or a process this large, is replaced by a fresh one after the answer.
RECYCLE_DOCUMENTS = 200
RECYCLE_RSS_MB = 2048
HANDSHAKE_S = 5.0  # to authenticate and send the request (and standard input's first bytes)
STALLED_S = 120.0  # a client that reads nothing this long is gone (its run stops at the next write)
QUEUE_S = 30.0  # then a waiting client runs in its own process instead
MAX_CONNECTIONS = 32
STDIN_LIMIT = 1 << 30


def resident_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux: the peak instead
        # Unix only, and only for the status answer
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


class Daemon:
    def __init__(self, directory: Path, idle_s: float) -> None:
        # the server process loads the parser and the task context when it starts, not on import
        from . import build_parser
        from ..tasks import TaskContext

        self.directory, self.idle_s = directory, idle_s
        self.environment = settings_environment()  # before the runner adds its own local defaults
        self.parser = build_parser()
        self.checker = build_parser(QuietParser)
        self.context = TaskContext()  # the models outlive a recycled runner
        self.started = self.last = time.monotonic()
        self.documents = 0
        self.runner: LocalRunner | None = None
        self.busy = threading.Lock()  # one run at a time: the process's standard streams are its client's
        self.stopping = threading.Event()
        self.connections = threading.BoundedSemaphore(MAX_CONNECTIONS)

    def warm(self) -> None:
        """A fresh runner, deployed, with one rendered page through every state."""
        # the warm-up loads the local stack and the models in the daemon, not in the client
        import cv2

        from ..synthetic import render_page
        from ..local.runner import LocalRunner

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
        start = time.monotonic()
        self.warm()
        self.warm_up_s = time.monotonic() - start
        self.key = secrets.token_bytes(32)
        old = os.umask(0o077)
        try:
            with contextlib.suppress(FileNotFoundError):  # a killed daemon's: `start` found none answering
                (self.directory / "socket").unlink()
            (self.directory / "authkey").write_bytes(self.key)
            self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.listener.bind(str(self.directory / "socket"))
        finally:
            os.umask(old)
        self.listener.listen(MAX_CONNECTIONS)
        self.listener.settimeout(0.5)  # to notice a stop
        (self.directory / "pid").write_text(str(os.getpid()))
        threading.Thread(target=self._watch_idle, name="idle", daemon=True).start()
        log(f"ocrflow daemon {__version__}: pid {os.getpid()}, warm in {self.warm_up_s:.1f} s")
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                log(f"accept failed: {exc}")
                continue
            if not self.connections.acquire(blocking=False):
                log(f"refused a connection: {MAX_CONNECTIONS} already open")
                client.close()
                continue
            threading.Thread(target=self.connection, args=(client,), name="client", daemon=True).start()
        with self.busy:  # the run in progress finishes first
            pass

    def connection(self, client: socket.socket) -> None:
        """One client, on its own thread: authenticated, its request read and answered, within bounds."""
        # multiprocessing's connection only when a client connects
        from multiprocessing import AuthenticationError
        from multiprocessing.connection import Connection, answer_challenge, deliver_challenge

        try:
            client.settimeout(None)
            timeouts(client, HANDSHAKE_S)
            with Connection(client.detach()) as connection:
                try:
                    deliver_challenge(connection, self.key)
                    answer_challenge(connection, self.key)
                    self.handle(connection)
                except (EOFError, OSError, AuthenticationError, ValueError) as exc:  # gone, silent or not ours
                    log(f"client gone: {exc or type(exc).__name__}")
                except Exception:  # noqa: BLE001 - logged, and the next client served
                    traceback.print_exc(file=sys.__stderr__)
        finally:
            self.connections.release()

    def recycle_if_full(self) -> bool:
        """After an answer, so that the next client does not wait for it."""
        if self.held < RECYCLE_DOCUMENTS and resident_mb() <= RECYCLE_RSS_MB:
            return False
        log(f"a fresh stack after {self.held} documents, {resident_mb():.0f} MB resident")
        self.warm()
        return True

    def handle(self, connection) -> None:
        kind, request = receive(connection)
        if kind in ("status", "stop"):
            send(connection, {"kind": kind, "value": self.status()})
            if kind == "stop":
                self.stopping.set()
            return
        if kind != "run" or not isinstance(request, dict):
            raise ValueError(f"a request of kind {kind!r}")
        elsewhere = self.refusal(request)
        if elsewhere is not None:
            send(connection, {"kind": "local", "value": elsewhere})
            return
        if not self._take_turn(connection):
            send(connection, {"kind": "local", "value": f"the daemon is busy with another run for {QUEUE_S:.0f} s"})
            return
        try:
            send(connection, {"kind": "accepted"})
            stdin = connection.recv_bytes(STDIN_LIMIT)
            timeouts_of(connection, STALLED_S)
            lock, done = threading.Lock(), threading.Event()
            threading.Thread(target=self._heartbeat, args=(connection, lock, done), daemon=True).start()
            try:
                code = self.run(connection, request, stdin or None, lock)
            finally:
                done.set()
            with lock:
                send(connection, {"kind": "exit", "value": code})
        finally:
            self.last = time.monotonic()
            try:
                if not self.recycle_if_full():
                    release_free_memory()
            finally:
                self.busy.release()

    def _take_turn(self, connection) -> bool:
        """The run lock, waiting at most QUEUE_S and telling the client every second that it waits."""
        deadline = time.monotonic() + QUEUE_S
        while not self.busy.acquire(timeout=1.0):
            if time.monotonic() > deadline or self.stopping.is_set():
                return False
            send(connection, {"kind": "queued"})
        return True

    @staticmethod
    def _heartbeat(connection, lock: threading.Lock, done: threading.Event) -> None:
        """A sign of life while a page is in inference and nothing else is written."""
        while not done.wait(HEARTBEAT_S):
            try:
                with lock:
                    if not done.is_set():
                        send(connection, {"kind": "alive"})
            except OSError:
                return

    def refusal(self, request: dict) -> str | None:
        """Why this request runs in the client's process ("" when it asked for that), else None."""
        if request.get("version") != __version__:
            return f"it runs ocrflow {__version__}, this is {request.get('version')} (ocrflow daemon stop)"
        if request.get("environment") != self.environment:
            changed = sorted(set(request["environment"].items()) ^ set(self.environment.items()))
            return "it was started with other settings: " + ", ".join(sorted({k for k, _ in changed}))
        try:
            args = self.checker.parse_args([str(a) for a in request.get("argv", [])])
        except Unparsed:
            return None  # the run parses it again and prints why (or the help) to the client
        if getattr(args, "no_daemon", False):
            return ""
        if getattr(args, "stage_backend", None):
            return "emulated endpoints (--stage-backend) run in the process that asks for them"
        return None

    def run(self, connection, request: dict, stdin: bytes | None, lock: threading.Lock) -> int:
        # the run command loads the local stack: in the daemon, once a request comes
        from . import run as run_command

        here = os.getcwd()
        with client_streams(connection, bool(request.get("tty")), stdin, lock):
            try:
                os.chdir(request["cwd"])
                args = self.parser.parse_args(request["argv"])
                if args.command != "run":
                    print("ocrflow daemon: it runs `ocrflow run` only", file=sys.stderr)
                    return 2
                args.umask = int(request["umask"]) & 0o777  # the client's, for the files written for it
                assert self.runner is not None, "warmed up before the first request"
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
                log(f"idle for {self.idle_s:.0f} s: stopping")
                self.cleanup()
                os._exit(0)

    def cleanup(self) -> None:
        listener = getattr(self, "listener", None)
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.close()
        for name in ("socket", "pid", "authkey"):
            with contextlib.suppress(OSError):
                (self.directory / name).unlink()


def main(directory: str, idle_s: str) -> int:
    # the daemon's process only: its client (`ocrflow run`) imports no onnxruntime
    from ..inference.session import OnnxModel

    cap_malloc_arenas()
    OnnxModel.memory_arena = False  # buffers back to malloc after each run, sized to each page
    daemon = Daemon(Path(directory), float(idle_s))
    def terminate(*_) -> None:
        daemon.cleanup()
        os._exit(0)

    signal.signal(signal.SIGTERM, terminate)
    try:
        daemon.serve()
    finally:
        daemon.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
