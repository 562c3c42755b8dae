"""Local runs keep the order of what AWS does, not its minutes: every wait AWS documents in minutes
or hours (Lambda's asynchronous retry delays, an event's maximum age, EventBridge's backoff) lasts a
thousandth as long here. What SQS counts in whole seconds (a visibility timeout) is one second, and
the starter's deadline is kept under it, as a function's timeout is kept under its queue's
visibility timeout in AWS ("Using Lambda with Amazon SQS": at least six times longer)."""

from __future__ import annotations

LOCAL_SECONDS_PER_AWS_SECOND = 0.001
VISIBILITY_TIMEOUT_SECONDS = 1
STARTER_DEADLINE_SECONDS = 0.5


def scaled(aws_seconds: float) -> float:
    return aws_seconds * LOCAL_SECONDS_PER_AWS_SECOND
