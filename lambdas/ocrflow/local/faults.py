"""What can go wrong at a hop, and the seeded injector the chaos run uses to make it go wrong.

A function's own errors are ocrflow's (``TransientError`` and the rest of ``errors.py``); ``Throttled``
and ``RuntimeCrash`` are the Lambda service's, which each hop treats as AWS documents for its kind of
invocation. ``FaultInjector`` wraps the local functions (``LocalRunner(intercept=...)``) and the AWS
clients the tasks and the state machine publish and start executions with.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any, Callable

from .. import errors
from ..registry import PAGE_STAGES, VALIDATION


class Throttled(Exception):
    """The Lambda service refused to run the function (429, ``TooManyRequestsException``): the
    function did not run. Synchronous callers see the error; an event source mapping returns the
    batch to its queue; an asynchronous event waits in Lambda's queue up to its maximum age."""


class RuntimeCrash(BaseException):
    """The function's process died (out of memory, killed at its timeout) where its code stood,
    possibly after a side effect: nothing of the code's own error handling runs, which is why this
    is a ``BaseException``; Lambda reports it as the function error ``Runtime.ExitError``."""

    error_type = "Runtime.ExitError"


Handler = Callable[[dict, Any], Any]
# Functions whose crash is injected after their side effect (an output written, a result stored).
CRASH_AFTER_RETURN = tuple(function.local_name.removeprefix("ocrflow-")
                           for function in (*(stage.function for stage in PAGE_STAGES), VALIDATION))


class FaultInjector:
    """Seeded faults at ``rate`` per opportunity; ``counts[(kind, where)]`` says what was injected. The
    first opportunity of each kind at each place always fails, so that a short run still meets every
    fault (the documents run in threads, so which later rolls hit depends on their order)."""

    def __init__(self, *, seed: int, rate: float) -> None:
        self.random, self.rate = random.Random(seed), rate
        self.counts: Counter = Counter()
        self._met: set[tuple[str, str]] = set()
        self._forced_on: dict[str, str] = {}  # place -> the document its last forced fault hit
        self._lock = threading.Lock()

    def roll(self, kind: str, where: str, rate: float | None = None, subject: str = "") -> bool:
        """``subject`` (the document): a place forces its first faults on different documents, so that
        no document meets them all in one task's attempts (which would exhaust its retries)."""
        with self._lock:
            first = (kind, where) not in self._met and (not subject or self._forced_on.get(where) != subject)
            if first:
                self._met.add((kind, where))
                self._forced_on[where] = subject
            hit = first or self.random.random() < (self.rate if rate is None else rate)
            if hit:
                self.counts[(kind, where)] += 1
            return hit

    def intercept(self, name: str, handler: Handler) -> Handler:
        """A function that may be throttled, fail transiently or die after its work."""
        short = name.removeprefix("ocrflow-")

        def faulty(event: dict, context: Any) -> Any:
            subject = document_of(event)
            if self.roll("throttled", short, subject=subject):
                raise Throttled(f"injected: {short} throttled")
            if self.roll("transient error", short, subject=subject):
                raise errors.for_runtime(errors.TransientError(f"injected: {short} failed transiently"),
                                         short.replace("-", "_"))
            result = handler(event, context)
            if short in CRASH_AFTER_RETURN and self.roll("crash after side effect", short, subject=subject):
                raise RuntimeCrash(f"injected: {short} died after its output was written")
            return result

        return faulty

    def clients(self, real: Callable[[str], Any]) -> dict[str, Any]:
        """The ``stepfunctions`` (the starter's) and ``events`` (the starter's and the scorer's) clients
        the tasks use, with faults."""
        return {"stepfunctions": FaultyStepFunctions(real("stepfunctions"), self, "starter"),
                "events": FaultyEvents(real("events"), self, "starter, scorer")}


def document_of(event: dict) -> str:
    """The document an invocation is about, where its payload says (a task, an event, a batch)."""
    for holder in (event.get("task"), event, event.get("detail")):
        if isinstance(holder, dict) and isinstance(holder.get("document_id"), str):
            return holder["document_id"]
    records = event.get("Records")
    return str(records[0].get("messageId", "")) if isinstance(records, list) and records else ""


class FaultyEvents:
    """PutEvents that refuses entries (``FailedEntryCount``, each refused entry with its error code, as
    EventBridge answers under throttling) or, with ``lose_answers``, puts them and then fails the call
    (the answer lost on the way back: the caller cannot know the events went out)."""

    def __init__(self, real, injector: FaultInjector, who: str, lose_answers: bool = False) -> None:
        self.real, self.injector, self.who, self.lose_answers = real, injector, who, lose_answers

    def put_events(self, Entries: list[dict], **kwargs) -> dict:  # noqa: N803 - boto3's parameter name
        refused = [self.injector.roll("put_events entry refused", self.who) for _ in Entries]
        taken = [entry for entry, no in zip(Entries, refused) if not no]
        answer: dict = (self.real.put_events(Entries=taken, **kwargs) if taken
                        else {"Entries": [], "FailedEntryCount": 0})
        if self.lose_answers and taken and self.injector.roll("put_events answer lost", self.who):
            # botocore's error only when a fault is injected
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "InternalException", "Message": "injected: answer lost"},
                               "ResponseMetadata": {"HTTPStatusCode": 500, "RequestId": "injected"}}, "PutEvents")
        results = iter(answer["Entries"])
        entries = [{"ErrorCode": "ThrottlingException", "ErrorMessage": "injected: entry refused"} if no
                   else next(results) for no in refused]
        return {"Entries": entries, "FailedEntryCount": sum(refused) + answer.get("FailedEntryCount", 0)}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class FaultyStepFunctions:
    """StartExecution after which the starter's process dies (the record of the start not saved)."""

    def __init__(self, real, injector: FaultInjector, who: str) -> None:
        self.real, self.injector, self.who = real, injector, who

    def start_execution(self, **kwargs) -> dict:
        answer = self.real.start_execution(**kwargs)
        if self.injector.roll("crash after side effect", self.who):
            raise RuntimeCrash("injected: starter died after StartExecution")
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class FaultyModelServer:
    """An endpoint's model server that now and then answers 500 (out of memory, a crashed worker):
    SageMaker writes the failure and notifies the error topic."""

    def __init__(self, real, injector: FaultInjector, who: str) -> None:
        self.real, self.injector, self.who = real, injector, who

    def post(self, url: str, **kwargs):
        if url == "/invocations" and self.injector.roll("endpoint error", self.who):
            # httpx (ocrflow[local]) only for an injected endpoint fault
            import httpx

            return httpx.Response(500, json={"message": "injected: the model server failed"})
        return self.real.post(url, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)
