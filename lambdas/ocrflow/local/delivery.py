"""EventBridge's delivery of an event to a rule's target, for local runs.

The target (a function's handler) is invoked in process under the rule's retry
policy, with short exponential backoff instead of EventBridge's minutes (a
duplicate arriving while its twin is still being started must find it done on
a retry); an event it keeps failing lands in the rule's dead-letter queue (moto
SQS) with the attributes EventBridge writes, so nothing is dropped silently here
either.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable

from .dispatch import LocalContext

log = logging.getLogger("ocrflow.local.delivery")
BACKOFF, BACKOFF_CAP = 0.02, 0.5  # seconds


class TargetDelivery:
    def __init__(self, *, rule: str, target: str, handler: Callable[[dict, Any], Any], retries: int,
                 sqs, dead_letter_url: str) -> None:
        self.rule, self.target, self.handler, self.retries = rule, target, handler, retries
        self.sqs, self.dead_letter_url = sqs, dead_letter_url

    def __call__(self, event: dict) -> Any | None:
        """The target's answer, or None when the event was dead-lettered."""
        error: Exception | None = None
        for attempt in range(1 + self.retries):
            if attempt:
                time.sleep(min(BACKOFF_CAP, BACKOFF * 2 ** (attempt - 1)))
            try:
                return self.handler(event, LocalContext(self.target))
            except Exception as exc:  # what the Lambda service reports as a failed invocation
                error = exc
        log.warning("%s: %s failed %d times, event dead-lettered: %s", self.rule, self.target,
                    1 + self.retries, error)
        attributes = {"ERROR_CODE": type(error).__name__, "ERROR_MESSAGE": str(error)[:2000],
                      "RULE_ARN": self.rule, "TARGET_ARN": self.target,
                      "RETRY_ATTEMPTS": str(self.retries), "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts"}
        self.sqs.send_message(QueueUrl=self.dead_letter_url, MessageBody=json.dumps(event), MessageAttributes={
            name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()})
        return None
