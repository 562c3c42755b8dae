"""An EventBridge rule's target, as EventBridge delivers to it.

Models "How EventBridge retries delivering events" and "Using dead-letter queues to process
undelivered events in EventBridge" (Amazon EventBridge User Guide): EventBridge retries a *delivery*
the target's service refuses (here: ``deliver`` raising), with backoff, up to the target's retry
policy (attempts and maximum event age), and then writes the event to the rule's dead-letter queue
with the ``ERROR_CODE``, ``ERROR_MESSAGE``, ``RULE_ARN``, ``TARGET_ARN`` and ``RETRY_ATTEMPTS``
attributes. Once the target has accepted the event (SQS stored the message, Lambda queued the
asynchronous invocation), EventBridge is done: what the target does with it is the next hop's
business, never a reason to retry here.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable

from ..schema.delivery import RuleTarget

log = logging.getLogger("ocrflow.local.rule_target")
BACKOFF, BACKOFF_CAP = 0.01, 0.2  # seconds: EventBridge's minutes, scaled down


class RuleTargetDelivery:
    def __init__(self, *, rule: str, target: str, deliver: Callable[[dict], Any], policy: RuleTarget,
                 sqs, dead_letter_url: str, attempts_cap: int = 8) -> None:
        """``attempts_cap`` bounds the local retries (EventBridge's 185 over a day would be minutes of
        sleeping here); it is reported as what ran, not as the policy."""
        self.rule, self.target, self.deliver, self.policy = rule, target, deliver, policy
        self.sqs, self.dead_letter_url = sqs, dead_letter_url
        self.attempts = min(1 + policy.retry_attempts, attempts_cap)

    def __call__(self, event: dict) -> Any | None:
        """The target's answer once it accepted the event (SQS: the message id); None when the event
        went to the rule's dead-letter queue."""
        error: Exception | None = None
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(min(BACKOFF_CAP, BACKOFF * 2 ** (attempt - 1)))
            try:
                return self.deliver(event)
            except Exception as exc:  # noqa: BLE001 - the target's service refused the delivery
                error = exc
        log.warning("%s: delivery to %s failed %d times, event dead-lettered: %s", self.rule, self.target,
                    self.attempts, error)
        attributes = {"ERROR_CODE": type(error).__name__, "ERROR_MESSAGE": str(error)[:2000],
                      "RULE_ARN": self.rule, "TARGET_ARN": self.target,
                      "RETRY_ATTEMPTS": str(self.attempts - 1), "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts"}
        self.sqs.send_message(QueueUrl=self.dead_letter_url, MessageBody=json.dumps(event), MessageAttributes={
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()})
        return None
