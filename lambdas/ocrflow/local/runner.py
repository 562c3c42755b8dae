"""``ocrflow run``: each file through the local state machine, one outcome per file."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..errors import InvalidInputError, StorageError
from ..orchestration.backends import Backends
from ..registry import SCORER, STARTER
from ..schema.document import Document
from ..schema.patterns import TARGET_RETRIES
from ..schema.payloads import StartReceipt
from ..tasks import TaskContext
from .delivery import TargetDelivery
from .dispatch import LocalContext


@dataclass
class RunError:
    code: str
    message: str
    stage: str | None = None


@dataclass
class Outcome:
    error: RunError | None = None
    trace: list[str] = field(default_factory=list)
    state_milliseconds: dict[str, float] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    duplicate: bool = False  # the starter found this document and content already submitted
    result_bytes: Callable[[], bytes] | None = None  # reads document.json from the work bucket
    _document: Document | None = None

    @property
    def document(self) -> Document | None:
        """The native result, read back from S3 the first time it is asked for."""
        if self._document is None and self.result_bytes is not None:
            self._document = Document.model_validate_json(self.result_bytes())
        return self._document


def state_durations(history: list[dict]) -> tuple[list[str], dict[str, float]]:
    """Pair StateEntered/StateExited events; Map iterations add up per state name."""
    entered: dict[str, list] = defaultdict(list)
    lines, totals = [], defaultdict(float)
    for event in history:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            entered[details["name"]].append(event["timestamp"])
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            if entered[name]:
                ms = (event["timestamp"] - entered[name].pop()).total_seconds() * 1e3
                totals[name] += ms
                lines.append(f"{name:<28} {ms:9.1f} ms")
    return lines, dict(totals)


class LocalRunner:
    """Owns one local state machine (built on first use) and the in-process functions.

    ``powertools=True`` dispatches to the production Lambda handlers (Powertools and all)
    instead of the local adapter around the same tasks.
    """

    def __init__(self, *, trace: bool = False, backends: Backends | None = None,
                 powertools: bool = False, context: TaskContext | None = None) -> None:
        self.trace = trace
        self.backends = backends or Backends()
        self.powertools = powertools
        self.context = context or TaskContext()
        self._machine = None
        self._dispatch = None
        self._deliveries: dict[str, TargetDelivery] | None = None

    @property
    def machine(self):
        if self._machine is None:
            from .dispatch import dispatch_lambda
            from .handlers import pipeline_handlers
            from .statemachine import LocalStateMachine

            # moto logs the interpreter's expected misses (an IsPresent on an absent path).
            logging.getLogger("moto").setLevel(logging.CRITICAL)
            self._machine = LocalStateMachine(self.backends)
            if self.powertools:  # handler logs are for CloudWatch; on a terminal only errors
                from ..handlers.runtime import logger

                logger.setLevel("ERROR")
            self.handlers = {f.local_name: h for f, h in pipeline_handlers(
                self.context, powertools=self.powertools).items()}
            if self.backends.endpoints:
                self._start_endpoints()
            self._dispatch = dispatch_lambda(self.handlers)
            self.lambdas = self._dispatch.__enter__()
        return self._machine

    def _start_endpoints(self) -> None:
        """The switched stages' endpoints (emulated, running the serving app), the dispatcher that
        calls them and the completer their notifications reach."""
        from ..registry import COMPLETER, DISPATCHER
        from ..storage import ObjectStore
        from ..tasks.specs import COMPLETE, DISPATCH
        from .async_endpoint import LocalAsyncEndpoints
        from .handlers import local_handler
        from .statemachine import ACCOUNT, REGION, WORK_BUCKET, substitutions

        names = substitutions(self.backends)
        completer = local_handler(COMPLETE, self.context)
        self.endpoints = LocalAsyncEndpoints(
            endpoints={names[e.substitution]: e.key for e in self.backends.endpoints},
            context=TaskContext(store=ObjectStore(), stages=self.context.stages), bucket=WORK_BUCKET,
            deliver=lambda event: completer(event, LocalContext(COMPLETER.local_name)), region=REGION,
            account=ACCOUNT)
        self.endpoints.start()
        if self.powertools:  # the production handler, with the emulator injected into its container context
            from ..handlers import endpoint
            from ..handlers.runtime import CONTEXT

            CONTEXT.clients["sagemaker-runtime"] = self.endpoints
            self.handlers[DISPATCHER.local_name] = endpoint.dispatcher
        else:
            injected = TaskContext(store=self.context.store, stages=self.context.stages,
                                   clients={"sagemaker-runtime": self.endpoints})
            self.handlers[DISPATCHER.local_name] = local_handler(DISPATCH, injected)

    def endpoint_fault(self) -> str | None:
        endpoints = getattr(self, "endpoints", None)
        return endpoints.failures[0] if endpoints is not None and endpoints.failures else None

    def close(self) -> None:
        if self._machine is not None:
            if getattr(self, "endpoints", None) is not None:
                self.endpoints.close()
            self._dispatch.__exit__(None, None, None)
            self._machine.close()
            self._machine = None

    def deliveries(self) -> dict[str, TargetDelivery]:
        """The starter and scorer, reached as their EventBridge rules reach them."""
        if self._deliveries is None:
            machine = self.machine
            self._deliveries = {
                name: TargetDelivery(rule=f"ocrflow-{name}", target=function.local_name,
                                     handler=self.handlers[function.local_name], retries=TARGET_RETRIES[name],
                                     sqs=machine.sqs, dead_letter_url=machine.dead_letters[queue])
                for name, function, queue in (("starter", STARTER, "start"), ("scorer", SCORER, "scorer"))}
        return self._deliveries

    def submit(self, detail, event_id: str | None = None) -> StartReceipt | None:
        """Publish a DocumentSubmitted: the starter's receipt, or None if it was dead-lettered."""
        answer = self.deliveries()["starter"](self.machine.envelope(detail, event_id))
        return None if answer is None else StartReceipt.model_validate(answer)

    def run_file(self, path: Path, test: dict | None = None) -> Outcome:
        """A file from disk: refused before the state machine if its size or type already says so
        (Ingest would refuse it with the same code), else uploaded and submitted."""
        from ..documents import preflight

        try:
            preflight(Path(path))
            data = Path(path).read_bytes()
        except InvalidInputError as exc:
            return Outcome(error=RunError(exc.code, exc.message, "ingest"))
        except OSError as exc:
            error = StorageError(f"cannot read {path}: {exc.strerror}")
            return Outcome(error=RunError(error.code, error.message))
        document_id = f"{hashlib.sha256(data).hexdigest()[:16]}"
        uri = self.machine.upload(data, f"inputs/{document_id}/{Path(path).name}")
        detail = {"schema_version": "1.0", "document_id": document_id, "document_uri": uri}
        if test:
            detail["test"] = test
        return self.run_detail(detail)

    def run_files(self, paths: list[Path], jobs: int = 1) -> Iterator[Outcome]:
        """Outcomes in the order of ``paths``; up to ``jobs`` documents run at once."""
        return self._map(self.run_file, paths, jobs)

    def run_details(self, details: list[dict], jobs: int = 1) -> Iterator[Outcome]:
        return self._map(self.run_detail, details, jobs)

    def _map(self, function, items: list, jobs: int) -> Iterator[Outcome]:
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
        if receipt is None:
            return Outcome(error=RunError("INTERNAL_ERROR", "the starter failed; the event is in the start "
                                          "rule's dead-letter queue", "starter"))
        if receipt.status == "rejected":
            return self._outcome(None, receipt.document_id, before)
        execution = machine.wait(receipt.execution_arn, broken=self.endpoint_fault)
        if self.trace:  # the history is an extra API call; only --trace and benchmarks need it
            lines, totals = state_durations(machine.history(receipt.execution_arn))
        else:
            lines, totals = [], {}
        for event in machine.scorer_events(document_id):  # what EventBridge delivers to the scorer
            self.deliveries()["scorer"](event)
        outcome = self._outcome(execution, document_id, before)
        outcome.trace, outcome.state_milliseconds, outcome.duplicate = lines, totals, receipt.status == "duplicate"
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
