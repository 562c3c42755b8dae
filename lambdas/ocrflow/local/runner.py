"""``ocrflow run``: each file through the local state machine, one outcome per file."""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

from ..documents import content_id, preflight
from ..errors import InvalidInputError, StorageError
from ..orchestration.backends import Backends
from ..registry import INGEST, SCORER, STARTER, load, stage_names
from ..schema.payloads import StartReceipt
from ..tasks import TaskContext
from .front_door import FrontDoor, Parked
from .outcome import HistoryCounts, Outcome, RunError, state_durations

Handler = Callable[[dict, Any], Any]


class LocalRunner:
    """Owns one local state machine (built on first use) and the in-process functions.

    ``powertools=True`` dispatches to the production Lambda handlers (Powertools and all)
    instead of the local adapter around the same tasks. ``intercept(function name, handler)`` wraps
    every function's handler (the chaos run injects its faults there).
    """

    def __init__(self, *, trace: bool = False, backends: Backends | None = None,
                 powertools: bool = False, context: TaskContext | None = None,
                 on_pages: Callable[[str, int, int], None] | None = None,
                 express_max_pages: int | None = None,
                 intercept: Callable[[str, Handler], Handler] | None = None) -> None:
        self.trace = trace
        self.intercept = intercept
        self.express_max_pages = express_max_pages  # where the Standard workflow takes over (tests)
        self.on_pages = on_pages  # (document id, pages done, page count) as pages finish
        self.backends = backends or Backends()
        self.powertools = powertools
        self.context = context or TaskContext()
        self._machine = None
        self._dispatch = None
        self._front_door: FrontDoor | None = None

    @property
    def machine(self):
        if self._machine is None:
            # moto, the handlers and their stages load with the machine, not with this module: a file
            # refused before the state machine never pays for them
            from .dispatch import dispatch_lambda
            from .handlers import pipeline_handlers
            from .statemachine import LocalStateMachine

            # moto logs the interpreter's expected misses (an IsPresent on an absent path).
            logging.getLogger("moto").setLevel(logging.CRITICAL)
            self._warm_stages()
            self._machine = LocalStateMachine(self.backends, self.express_max_pages)
            if self.powertools:  # handler logs are for CloudWatch; on a terminal only errors
                # Powertools loads only for a run through the production handlers
                from ..handlers.runtime import logger

                logger.setLevel("ERROR")
            self.handlers = {f.local_name: h for f, h in pipeline_handlers(
                self.context, powertools=self.powertools).items()}
            if self.intercept is not None:
                self.handlers = {name: self.intercept(name, h) for name, h in self.handlers.items()}
            self._start_endpoints()
            if self.on_pages is not None:
                self._watch_pages()
            self._dispatch = dispatch_lambda(self.handlers)
            self.lambdas = self._dispatch.__enter__()
            # The submissions queue's event source mapping and the scorer's rule, deployed with the stack.
            self._front_door = FrontDoor(self._machine, starter=self.handlers[STARTER.local_name],
                                         scorer=self.handlers[SCORER.local_name], starter_name=STARTER.local_name,
                                         scorer_name=SCORER.local_name)
        return self._machine

    def _warm_stages(self) -> None:
        """Load the models while moto deploys the stack: onnxruntime builds sessions without the GIL,
        so on two cores a one-page run hides most of the model loading behind the setup. A model that
        fails to load here fails again, with its error, where a stage first needs it."""
        def warm() -> None:
            try:
                self.context.stages.warm(list(stage_names()))
            except Exception:  # noqa: BLE001 - reported by the task that needs the stage
                pass

        threading.Thread(target=warm, name="ocrflow-warm-stages", daemon=True).start()

    def _start_endpoints(self) -> None:
        """Each backend's local emulation of its endpoints (``Backend.emulator``): it starts them and
        serves the functions that call them (``serve``)."""
        self.emulators = []
        for backend in self.backends.in_use():
            steps = [step for step in self.backends.endpoints if step.backend is backend]
            if backend.emulator and steps:
                self.emulators.append(load(backend.emulator)(self, steps))
        self.endpoints = self.emulators[0] if self.emulators else None

    def serve(self, function, clients: dict[str, Any]) -> None:
        """``function`` dispatched locally with ``clients`` (the emulated endpoints) in its context:
        the production handler with them injected into its container's context, or the local adapter."""
        # as in machine: loaded with the stack
        from .handlers import function_handler

        if self.powertools:
            # the production handlers' container context (Powertools)
            from ..handlers.runtime import CONTEXT

            CONTEXT.clients.update(clients)
            context = CONTEXT
        else:
            context = TaskContext(store=self.context.store, stages=self.context.stages, clients=clients)
        self.handlers[function.local_name] = function_handler(function, context, powertools=self.powertools)

    def _watch_pages(self) -> None:
        """Ingest says how many pages a document has, the last page step that each one is done."""
        counts: dict[str, list[int]] = {}
        lock = threading.Lock()

        on_pages = self.on_pages
        assert on_pages is not None  # the watcher starts only for a caller that counts pages

        def report(document_id: str, done: int = 0, total: int | None = None) -> None:
            with lock:
                entry = counts.setdefault(document_id, [0, 0])
                entry[0] += done
                entry[1] = total if total is not None else entry[1]
                on_pages(document_id, entry[0], entry[1])

        ingest, last = self.handlers[INGEST.local_name], self.backends.page_steps()[-1]

        def ingested(event, context):
            result = ingest(event, context)
            report(result["document_id"], total=result["page_count"])
            return result

        self.handlers[INGEST.local_name] = ingested
        if not last.backend.waits_for_callback:  # else pages end in the callback; the documents still report
            name = last.backend.functions(last)[0].local_name
            step = self.handlers[name]

            def finished(event, context):
                result = step(event, context)
                # one function may run several steps (the invoker calls every real-time endpoint)
                if not isinstance(event, dict) or event.get("stage", last.key) == last.key:
                    report(result["document_id"], done=1)
                return result

            self.handlers[name] = finished

    def endpoint_fault(self) -> str | None:
        failures = [f for emulator in getattr(self, "emulators", ()) for f in getattr(emulator, "failures", ())]
        return failures[0] if failures else None

    def close(self) -> None:
        if self._machine is not None:
            if self._front_door is not None:
                self._front_door.close()
                self._front_door = None
            for emulator in getattr(self, "emulators", ()):
                emulator.close()
            self._dispatch.__exit__(None, None, None)
            self._machine.close()
            self._machine = None

    @property
    def front_door(self) -> FrontDoor:
        """The submissions queue and its starter, and the scorer, reached as in AWS (``front_door``)."""
        self.machine
        assert self._front_door is not None  # made with the machine
        return self._front_door

    def submit(self, detail, event_id: str | None = None) -> StartReceipt | Parked:
        """Publish a DocumentSubmitted: the starter's receipt, or where the submission was parked."""
        return self.front_door.submit(self.machine.envelope(detail, event_id))

    def run_file(self, path: Path, test: dict | None = None) -> Outcome:
        """A file from disk: refused before the state machine if its size or type already says so
        (Ingest would refuse it with the same code), else uploaded and submitted."""
        return self.run_source(Path(path), test)

    def run_source(self, source: Path | tuple[str, bytes], test: dict | None = None,
                   document_id: str | None = None) -> Outcome:
        """A path, or (name, bytes) such as standard input; ``document_id`` replaces the content hash
        (the same file submitted again under a new id is a new document, not a duplicate)."""
        name = source.name if isinstance(source, Path) else source[0]
        try:
            if isinstance(source, Path):
                preflight(source)
                data = source.read_bytes()
            else:
                data = source[1]
                preflight(data)
        except InvalidInputError as exc:
            return Outcome(error=RunError(exc.code, exc.message, "ingest"))
        except OSError as exc:
            error = StorageError(f"cannot read {source}: {exc.strerror}")
            return Outcome(error=RunError(error.code, error.message))
        document_id = document_id or content_id(data)
        uri = self.machine.upload(data, f"inputs/{document_id}/{name}")
        detail = {"schema_version": "1.0", "document_id": document_id, "document_uri": uri}
        if test:
            detail["test"] = test
        return self.run_detail(detail)

    def run_files(self, paths: list[Path], jobs: int = 1) -> Iterator[Outcome]:
        """Outcomes in the order of ``paths``; up to ``jobs`` documents run at once."""
        return self.run_many(self.run_file, paths, jobs)

    def run_sources(self, sources: list, jobs: int = 1) -> Iterator[Outcome]:
        return self.run_many(self.run_source, sources, jobs)

    def run_details(self, details: list[dict], jobs: int = 1) -> Iterator[Outcome]:
        return self.run_many(self.run_detail, details, jobs)

    def run_many(self, function: Callable[[Any], Outcome], items: list, jobs: int) -> Iterator[Outcome]:
        """``function(item)`` for each item, in order; up to ``jobs`` at once on one deployed stack."""
        if jobs <= 1 or len(items) <= 1:
            return (function(item) for item in items)
        self.machine  # deployed once, before the threads start
        pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="document")
        return _ordered(pool, [pool.submit(function, item) for item in items])

    def run_detail(self, detail, event_id: str | None = None) -> Outcome:
        machine = self.machine
        before = machine.received
        document_id = str(detail.get("document_id", "unknown")) if isinstance(detail, dict) else "unknown"
        receipt = self.submit(detail, event_id)
        if isinstance(receipt, Parked):
            return Outcome(error=RunError("INTERNAL_ERROR", f"not started: {receipt.reason}; the submission "
                                          f"waits in {receipt.queue} to be redriven", "starter"))
        if receipt.status == "rejected":
            return self._outcome(None, receipt.document_id, before)
        execution = machine.wait(receipt.execution_arn, broken=self.endpoint_fault)
        # the histories are extra API calls; only --trace and benchmarks need them
        history = machine.history(receipt.execution_arn) if self.trace else None
        express = machine.express_history(receipt.execution_arn) if self.trace else None
        lines, totals = state_durations(history + (express or [])) if history is not None else ([], {})
        for event in machine.scorer_events(document_id):  # what EventBridge delivers to the scorer
            self.front_door.score(event)
        outcome = self._outcome(execution, document_id, before)
        outcome.trace, outcome.state_milliseconds, outcome.duplicate = lines, totals, receipt.status == "duplicate"
        outcome.history = HistoryCounts.of(history, express) if history is not None else None
        return outcome

    def _outcome(self, execution: dict | None, document_id: str, before: int) -> Outcome:
        machine = self.machine
        events = [e for e in machine.published()[before:] if e["detail"].get("document_id") == document_id]
        outcome = Outcome(events=events)
        if execution is not None and execution["status"] == "SUCCEEDED":
            uri = json.loads(execution["output"])["results"]["document"]
            outcome.result_bytes = lambda: machine.get_object(uri)
            return outcome
        failed = [e["detail"] for e in events if e.get("detail-type") == "OcrFailed"]
        if failed:
            f = failed[-1]
            outcome.error = RunError(f["error_code"], f["message"], f.get("stage"))
        else:
            status = execution["status"] if execution else "REJECTED"
            outcome.error = RunError("INTERNAL_ERROR", f"execution ended {status}")
        return outcome


def _ordered(pool: ThreadPoolExecutor, futures: list) -> Iterator[Outcome]:
    try:
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
