"""A function invoked asynchronously (by an EventBridge rule or an SNS topic), as Lambda runs it.

Models "How Lambda handles errors and retries with asynchronous invocation" and "Capturing records of
Lambda asynchronous invocations" (AWS Lambda Developer Guide): once Lambda has accepted the event,
a function error is retried ``retry_attempts`` times (two by default, a minute and then two apart); a
throttled invocation (the function did not run) waits in Lambda's queue and is tried again with
backoff until the event reaches its maximum age; then the invocation record (request and response
payloads, ``condition`` ``RetriesExhausted`` or ``EventAgeExceeded``) goes to the function's
on-failure destination, and without one the event is discarded. SNS hands a message to Lambda this
way too ("Amazon SNS message delivery retries": SNS itself retries only a Lambda service that refuses
the delivery). Here the attempts run in the caller's thread, one after another, with the waits
scaled (``timing``); the order and the outcome are Lambda's.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from ..schema.delivery import AsyncInvoke
from .dispatch import LocalContext
from .faults import RuntimeCrash, Throttled
from .timing import scaled

log = logging.getLogger("ocrflow.local.async_invoke")
THROTTLE_BACKOFF, THROTTLE_BACKOFF_CAP = 1.0, 300.0  # AWS seconds: from 1 s, doubling, to 5 minutes


def error_payload(exc: BaseException) -> dict:
    """What the Lambda runtime reports for an error (a crashed process has no stack to report)."""
    if isinstance(exc, RuntimeCrash):
        return {"errorType": RuntimeCrash.error_type, "errorMessage": str(exc) or "process exited"}
    return {"errorType": type(exc).__name__, "errorMessage": str(exc),
            "stackTrace": traceback.format_tb(exc.__traceback__)}


class AsyncInvocation:
    def __init__(self, *, function_name: str, handler: Callable[[dict, Any], Any], policy: AsyncInvoke,
                 sqs, on_failure_url: str | None, timeout_seconds: float = 60.0) -> None:
        self.function_name, self.handler, self.policy = function_name, handler, policy
        self.sqs, self.on_failure_url, self.timeout_seconds = sqs, on_failure_url, timeout_seconds

    @property
    def function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}:$LATEST"

    def __call__(self, event: dict) -> bool:
        """True once the function succeeded; False when the event went to the destination (or was
        discarded, which AWS does without one)."""
        accepted, attempts, throttle_wait = time.monotonic(), 0, THROTTLE_BACKOFF
        max_age = scaled(self.policy.max_event_age_seconds)
        while True:
            try:
                self.handler(event, LocalContext(self.function_name, timeout_seconds=self.timeout_seconds))
                return True
            except Throttled as exc:  # did not run: back to Lambda's queue, not an attempt
                if time.monotonic() - accepted + scaled(throttle_wait) > max_age:
                    return self._fail(event, exc, "EventAgeExceeded", attempts)
                time.sleep(scaled(throttle_wait))
                throttle_wait = min(THROTTLE_BACKOFF_CAP, throttle_wait * 2)
            except (Exception, RuntimeCrash) as exc:  # noqa: BLE001 - a function error, retried by Lambda
                attempts += 1
                if attempts > self.policy.retry_attempts:
                    return self._fail(event, exc, "RetriesExhausted", attempts)
                delays = self.policy.retry_delays_seconds
                delay = scaled(delays[min(attempts - 1, len(delays) - 1)])
                if time.monotonic() - accepted + delay > max_age:
                    return self._fail(event, exc, "EventAgeExceeded", attempts)
                time.sleep(delay)

    def _fail(self, event: dict, exc: BaseException, condition: str, attempts: int) -> bool:
        if self.on_failure_url is None:
            log.error("%s: event discarded after %d attempts (%s): no on-failure destination", self.function_name,
                      attempts, condition)
            return False
        record = {
            "version": "1.0", "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": self.function_arn,
                               "condition": condition, "approximateInvokeCount": attempts},
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": error_payload(exc)}
        self.sqs.send_message(QueueUrl=self.on_failure_url, MessageBody=json.dumps(record, default=str))
        return False
