"""``ocrflow chaos``: hundreds of cheap documents through the local stack while seeded faults hit every
hop, then the ledger: every document must end in exactly one outcome or wait in a dead-letter queue.

With a stage on an emulated SageMaker asynchronous endpoint (``--stage-backend fused=sagemaker_async``)
the endpoint's model server also fails requests, and SNS duplicates notifications or, after its own
retries, parks them in the subscription's dead-letter queue, from which an operator (here a thread
every few seconds) redrives them to the completer, as it redrives the completer's on-failure records.

Faults (``faults.FaultInjector``): throttles and transient errors in every function; deaths after the
side effect (the starter after StartExecution, a page stage after writing its output, validation after
storing the result); PutEvents entries refused (starter, scorer, the state machine's publications) and
PutEvents answers lost after the events went out; DocumentSubmitted delivered twice (the same event),
resent by upstream (a new event id) and delivered twice at once. The documents: rendered one-line pages,
blank pages, corrupt files, malformed events and test events scored against their ground truth.
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from ..tasks import TaskContext
from .faults import FaultInjector, FaultyEvents, FaultyModelServer
from .front_door import Parked
from .runner import LocalRunner

WORDS = ("Invoice", "Total", "Receipt", "Amount", "Date", "Order", "Paid", "Tax", "Cash", "Change", "Item", "Qty")
KINDS = (("page", 0.70), ("blank", 0.08), ("corrupt", 0.08), ("malformed", 0.06), ("test", 0.08))
DUPLICATES = (("same event delivered twice", 0.04), ("resent with a new event id", 0.04),
              ("delivered twice at once", 0.04))


@dataclass
class Ledger:
    submitted: Counter = field(default_factory=Counter)  # by kind of document
    outcomes: dict[str, set] = field(default_factory=lambda: defaultdict(set))  # document -> {(type, run)}
    repeats: int = 0  # the same outcome (same execution) published again: consumers dedupe on resources
    failed_codes: Counter = field(default_factory=Counter)
    scored: int = 0
    parked: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # document -> [queue: why]
    faults: Counter = field(default_factory=Counter)
    duplicates: Counter = field(default_factory=Counter)
    redriven: int = 0  # endpoint notifications an operator moved back to the completer
    seconds: float = 0.0

    ids: list[str] = field(default_factory=list)  # every document submitted

    @property
    def more_than_one_outcome(self) -> list[str]:
        return sorted(d for d, found in self.outcomes.items() if len(found) > 1)

    @property
    def lost(self) -> list[str]:
        return sorted(d for d in self.ids if not self.outcomes.get(d) and d not in self.parked)

    def table(self) -> str:
        rows = [("documents submitted", sum(self.submitted.values())),
                *((f"  {kind}", n) for kind, n in sorted(self.submitted.items())),
                ("duplicate deliveries of DocumentSubmitted", sum(self.duplicates.values())),
                *((f"  {kind}", n) for kind, n in sorted(self.duplicates.items())),
                ("faults injected", sum(self.faults.values())),
                *((f"  {kind}: {where}", n) for (kind, where), n in sorted(self.faults.items())),
                ("OcrCompleted", sum(1 for found in self.outcomes.values() for t, _ in found if t == "OcrCompleted")),
                ("OcrFailed", sum(self.failed_codes.values())),
                *((f"  {code}", n) for code, n in sorted(self.failed_codes.items())),
                ("OcrTestScored", self.scored),
                ("endpoint notifications redriven from a dead-letter queue", self.redriven),
                ("outcomes published again by a retried publication (same execution)", self.repeats),
                ("documents with more than one outcome (must be 0)", len(self.more_than_one_outcome)),
                ("documents with no outcome and not in a dead-letter queue (must be 0)", len(self.lost)),
                ("documents parked in a dead-letter queue", len(self.parked)),
                *((f"  {document}", "; ".join(reasons)) for document, reasons in sorted(self.parked.items()))]
        width = max(len(str(label)) for label, _ in rows)
        return "\n".join(f"| {label:<{width}} | {value} |" for label, value in rows) + \
            f"\n({self.seconds:.0f} s)"


def blank_png() -> bytes:
    # PIL only for the chaos run's damaged documents
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (600, 120), "white").save(out, format="PNG")
    return out.getvalue()


def line_png(text: str) -> bytes:
    # as above
    from PIL import Image

    from ..synthetic import render_page

    page, _ = render_page([text], width=640, margin=30)
    out = io.BytesIO()
    Image.fromarray(page[:, :, ::-1]).save(out, format="PNG")
    return out.getvalue()


@contextmanager
def faulty_publications(injector: FaultInjector) -> Iterator[None]:
    """The state machine's PutEvents tasks (moto's EventBridge integration) with refused entries and
    lost answers, which Step Functions meets with the task's Retry."""
    # moto's internals load with the local stack
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_events

    original = state_task_service_events.boto_client_for

    def client_for(region: str, service: str, state_credentials=None):
        client = original(region=region, service=service, state_credentials=state_credentials)
        return FaultyEvents(client, injector, "state machine", lose_answers=True) if service == "events" else client

    state_task_service_events.boto_client_for = client_for
    try:
        yield
    finally:
        state_task_service_events.boto_client_for = original


class ChaosRun:
    def __init__(self, *, documents: int, seed: int, rate: float, jobs: int = 4, backends=None) -> None:
        """``backends``: ``orchestration.backends.Backends`` (all Lambda when None)."""
        self.count, self.seed, self.jobs = documents, seed, jobs
        self.random = random.Random(seed)
        self.injector = FaultInjector(seed=seed + 1, rate=rate)
        self.context = TaskContext()
        self.runner = LocalRunner(context=self.context, intercept=self.injector.intercept, backends=backends)
        self.ledger = Ledger()
        self._lock = threading.Lock()

    def run(self) -> Ledger:
        started = time.monotonic()
        machine = self.runner.machine
        self.context.clients.update(self.injector.clients(self.context.store.client_for))
        pages = {text: line_png(text) for text in (f"{self.random.choice(WORDS)} {n:04d}" for n in range(20))}
        uploads = {"blank": machine.upload(blank_png(), "chaos/blank.png"),
                   "corrupt": machine.upload(bytes(self.random.randrange(256) for _ in range(2048)), "chaos/x.png")}
        for text, data in pages.items():
            uploads[text] = machine.upload(data, f"chaos/{text.replace(' ', '_')}.png")
        truth = machine.upload(json.dumps({"annotations": {"texts": []}}).encode(), "chaos/truth.json")
        plans = [self._plan(index, uploads, list(pages), truth) for index in range(self.count)]
        # the endpoint faults are those of the callback path (notifications, their dead-letter queue)
        operator = self._endpoint_faults() if self.runner.backends.waits_for_callback else None
        try:
            with faulty_publications(self.injector), ThreadPoolExecutor(self.jobs) as pool:
                list(pool.map(self._submit, plans))
                self._settle()
        finally:
            if operator is not None:
                operator.set()
        for document_id in {plan[0] for plan in plans}:
            for event in machine.scorer_events(document_id):
                self.runner.front_door.score(event)
        self._tally()
        self.ledger.seconds = time.monotonic() - started
        return self.ledger

    def close(self) -> None:
        self.runner.close()

    def _endpoint_faults(self) -> threading.Event:
        """Model-server errors, duplicated and parked notifications; and the operator who redrives the
        parked ones (the subscription's dead-letter queue, the completer's on-failure destination)."""
        machine, endpoints = self.runner.machine, self.runner.endpoints
        assert endpoints is not None  # an endpoint path was chosen
        for name, client in list(endpoints.clients.items()):
            endpoints.clients[name] = FaultyModelServer(client, self.injector, "endpoint")
        deliver = endpoints._notify

        def notify(event: dict) -> None:
            if self.injector.roll("notification parked by SNS", "endpoint topics"):
                machine.sqs.send_message(QueueUrl=machine.subscription_dead_letters, MessageBody=json.dumps(event))
                return
            deliver(event)
            if self.injector.roll("notification duplicated", "endpoint topics"):
                deliver(event)

        endpoints._notify = notify
        done = threading.Event()

        def redrive() -> None:
            while not done.wait(3.0):
                for url in (machine.subscription_dead_letters, machine.failure_destinations["completer"]):
                    for message in machine.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages",
                                                                                                          []):
                        body = json.loads(message["Body"])
                        self.runner.completer(body.get("requestPayload", body))
                        machine.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                        self.ledger.redriven += 1

        threading.Thread(target=redrive, name="chaos-operator", daemon=True).start()
        return done

    def _plan(self, index: int, uploads: dict, texts: list[str], truth: str) -> tuple[str, dict, str | None]:
        kind = self.random.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        document_id = f"chaos-{index:04d}"
        uri = uploads.get(kind) or uploads[self.random.choice(texts)]
        detail = {"schema_version": "1.0", "document_id": document_id, "document_uri": uri}
        if kind == "malformed":
            detail["document_uri"] = f"https://not-s3/{document_id}"
        if kind == "test":
            detail["test"] = {"ground_truth_uri": truth, "dataset": "chaos", "case_id": document_id}
        names, shares = [name for name, _ in DUPLICATES], [share for _, share in DUPLICATES]
        duplicate = self.random.choices([*names, None], [*shares, 1 - sum(shares)])[0]
        self.ledger.submitted[kind] += 1
        self.ledger.ids.append(document_id)
        return document_id, detail, duplicate

    def _submit(self, plan: tuple[str, dict, str | None]) -> None:
        document_id, detail, duplicate = plan
        machine, door = self.runner.machine, self.runner.front_door
        envelope = machine.envelope(detail)
        if duplicate:
            with self._lock:
                self.ledger.duplicates[duplicate] += 1
        if duplicate == "same event delivered twice":
            door.submitted(envelope)
        elif duplicate == "resent with a new event id":
            door.submitted(machine.envelope(detail, str(uuid.uuid4())))
        elif duplicate == "delivered twice at once":
            twin = threading.Thread(target=door.submitted, args=(envelope,))
            twin.start()
        receipt = door.submit(envelope, timeout=300)
        if duplicate == "delivered twice at once":
            twin.join()
        if not isinstance(receipt, Parked) and receipt.execution_arn:
            machine.wait(receipt.execution_arn, timeout=600)

    def _settle(self, quiet: float = 2.0, timeout: float = 900.0) -> None:
        """Until the submissions queue is empty and no execution runs, for ``quiet`` seconds."""
        machine, source = self.runner.machine, self.runner.front_door.source
        deadline, calm_since = time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            running = machine.sfn.list_executions(stateMachineArn=machine.arn, statusFilter="RUNNING")["executions"]
            if source.in_flight() or running:
                calm_since = None
            elif calm_since is None:
                calm_since = time.monotonic()
            elif time.monotonic() - calm_since > quiet:
                return
            time.sleep(0.2)

    def _tally(self) -> None:
        ledger, machine = self.ledger, self.runner.machine
        seen: Counter = Counter()
        for event in machine.published():
            detail, kind = event["detail"], event["detail-type"]
            if kind == "OcrTestScored":
                ledger.scored += 1
                continue
            run = next((r for r in event.get("resources", []) if ":execution:" in r), "starter")
            key = (detail.get("document_id", ""), kind, run)
            seen[key] += 1
            if seen[key] > 1:
                ledger.repeats += 1
                continue
            ledger.outcomes[key[0]].add((kind, run))
            if kind == "OcrFailed":
                ledger.failed_codes[detail.get("error_code", "?")] += 1
        for queue, messages in machine.parked().items():
            for message in messages:
                document_id, why = parked_document(queue, message)
                ledger.parked[document_id].append(f"{queue}: {why}")
        ledger.faults = Counter(self.injector.counts)


def parked_document(queue: str, message: dict) -> tuple[str, str]:
    """Which document a parked message is about, and why it was parked."""
    body = json.loads(message["Body"])
    if "requestPayload" in body:  # a Lambda on-failure record
        payload = body["requestPayload"]
        why = f"{body['requestContext']['condition']} ({body.get('responsePayload', {}).get('errorType', '?')})"
    else:
        payload, why = body, {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()}.get(
            "ERROR_CODE", "received too often" if queue == "submissions" else "not delivered")
    if isinstance(payload, dict) and "Records" in payload:  # an endpoint notification: work/<document>/...
        note = json.loads(payload["Records"][0]["Sns"]["Message"])
        return note["requestParameters"]["inputLocation"].split("/")[4], str(why)
    detail = payload.get("detail", {}) if isinstance(payload, dict) else {}
    return str(detail.get("document_id", "unknown")), str(why)
