"""The local stack's front door and its asynchronous consumers, hop by hop as in AWS:
``DocumentSubmitted`` rule -> submissions queue -> starter (an event source mapping), and result
rule -> scorer (an asynchronous invocation with an on-failure destination). ``submit`` publishes an
event and waits for what the starter did with it, or for the queue to give up on it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..schema.delivery import ASYNC_INVOKE, SCORER_TARGET, START_MAX_CONCURRENCY, SUBMISSIONS, SUBMISSIONS_TARGET
from ..schema.payloads import StartReceipt
from .async_invoke import AsyncInvocation
from .queue_source import QueueEventSource
from .rule_target import RuleTargetDelivery
from .timing import STARTER_DEADLINE_SECONDS


KEPT = 10_000  # receipts kept for waiting submitters (a dict keeps insertion order: the oldest go first)


@dataclass
class Parked:
    """A submission the front door gave up on: where it waits and why."""

    queue: str
    reason: str


class FrontDoor:
    def __init__(self, machine, *, starter: Callable[[dict, Any], Any], scorer: Callable[[dict, Any], Any],
                 starter_name: str, scorer_name: str, max_concurrency: int = START_MAX_CONCURRENCY) -> None:
        self.machine = machine
        self._lock = threading.Condition()
        self._receipts: dict[str, StartReceipt] = {}
        self._parked: dict[str, Parked] = {}
        self.source = QueueEventSource(
            sqs=machine.sqs, queue_url=machine.submissions, queue_arn=machine.queue_arn(machine.submissions),
            function_name=starter_name, handler=starter, settings=SUBMISSIONS, max_concurrency=max_concurrency,
            deadline_seconds=STARTER_DEADLINE_SECONDS, on_batch=self._started).start()
        self.submitted = RuleTargetDelivery(
            rule="ocrflow-document-submitted", target="ocrflow-submissions", deliver=self._enqueue,
            policy=SUBMISSIONS_TARGET, sqs=machine.sqs, dead_letter_url=machine.dead_letters["start"])
        self.scorer = AsyncInvocation(function_name=scorer_name, handler=scorer, policy=ASYNC_INVOKE,
                                      sqs=machine.sqs, on_failure_url=machine.failure_destinations["scorer"])
        self.scored = RuleTargetDelivery(
            rule="ocrflow-scorer", target=scorer_name, deliver=self.scorer, policy=SCORER_TARGET,
            sqs=machine.sqs, dead_letter_url=machine.dead_letters["scorer"])

    def close(self) -> None:
        self.source.close()

    def _enqueue(self, event: dict) -> str:
        sent = self.machine.sqs.send_message(QueueUrl=self.machine.submissions, MessageBody=json.dumps(event))
        self.source.notify()
        return sent["MessageId"]

    def _started(self, records: list[dict], response: Any, failed: set[str]) -> None:
        """What the event source mapping saw of one batch: receipts, and the messages that used their
        last receive (SQS moves them to the dead-letter queue at the next one)."""
        receipts = response.get("receipts", {}) if isinstance(response, dict) else {}
        with self._lock:
            for record in records:
                message = record["messageId"]
                if message in receipts and message not in failed:  # a failed one comes back
                    self._receipts[message] = StartReceipt.model_validate(receipts[message])
                elif (message in failed and
                      int(record["attributes"].get("ApproximateReceiveCount", 1)) >= SUBMISSIONS.max_receive_count):
                    reason = response.get("errorType", "batchItemFailure") if isinstance(response, dict) else ""
                    self._parked[message] = Parked("ocrflow-submissions-dlq", f"the starter failed "
                                                    f"{SUBMISSIONS.max_receive_count} times ({reason})")
            while len(self._receipts) > KEPT:  # receipts of duplicates nobody waits for
                self._receipts.pop(next(iter(self._receipts)))
            self._lock.notify_all()

    def submit(self, event: dict, timeout: float = 600.0) -> StartReceipt | Parked:
        """Publish a DocumentSubmitted envelope; the starter's receipt, or where it was parked."""
        message = self.submitted(event)
        if message is None:
            return Parked("ocrflow-start-failures", "the submissions queue refused the delivery")
        deadline = time.monotonic() + timeout
        with self._lock:
            while message not in self._receipts and message not in self._parked:
                if not self._lock.wait(max(0.0, deadline - time.monotonic())):
                    return Parked("ocrflow-submissions", f"no start within {timeout:.0f} s")
            return self._receipts.pop(message, None) or self._parked.pop(message)

    def score(self, event: dict) -> bool:
        """A test result, as the scorer rule delivers it; False when it went to the rule's dead-letter
        queue (a function error goes to the scorer's on-failure destination instead)."""
        return self.scored(event) is not None
