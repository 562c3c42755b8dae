"""How each hop delivers, said once: the CDK app deploys these values and the local emulator
(``ocrflow.local.hops``) follows them, so that the laptop retries, parks and redrives as AWS does.

The hops, with the AWS documentation page each value comes from:

- ``DocumentSubmitted`` rule -> submissions queue: an EventBridge target; the retry policy and the
  rule's dead-letter queue cover only a delivery that SQS refuses ("How EventBridge retries
  delivering events", "Using dead-letter queues to process undelivered events in EventBridge").
- submissions queue -> starter: a Lambda event source mapping with ``ReportBatchItemFailures``; a
  failed record becomes visible again after the visibility timeout, and SQS moves it to the
  submissions dead-letter queue after ``max_receive_count`` receives ("Using Lambda with Amazon
  SQS", "Handling errors for an SQS event source in Lambda", "Using dead-letter queues in Amazon SQS").
- result rule -> scorer, endpoint topics -> completer: asynchronous invocations; Lambda retries a
  function error twice and then sends the invocation record to the function's on-failure
  destination ("How Lambda handles errors and retries with asynchronous invocation", "Capturing
  records of Lambda asynchronous invocations"); SNS -> Lambda retries only deliveries the Lambda
  service refuses ("Amazon SNS message delivery retries").

Standard library only: the CDK app reads it without installing ocrflow's dependencies.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleTarget:
    """An EventBridge rule target's retry policy (delivery failures only)."""

    retry_attempts: int
    max_event_age_seconds: int


@dataclass(frozen=True)
class QueueSource:
    """A queue read by a Lambda event source mapping."""

    batch_size: int = 10
    batching_window_seconds: int = 1
    max_receive_count: int = 5  # receives before SQS moves a message to the dead-letter queue
    visibility_timeout_seconds: int = 180  # AWS: at least six times the function's timeout
    retention_days: int = 14


@dataclass(frozen=True)
class AsyncInvoke:
    """A function invoked asynchronously (by EventBridge or SNS): Lambda's own retries of a function
    error, how long an event may wait (throttled) in Lambda's queue, then the on-failure destination."""

    retry_attempts: int = 2  # Lambda's default and maximum
    max_event_age_seconds: int = 6 * 3600  # Lambda's default and maximum
    retry_delays_seconds: tuple[int, ...] = (60, 120)  # between the attempts, as Lambda documents


SUBMISSIONS_TARGET = RuleTarget(retry_attempts=185, max_event_age_seconds=24 * 3600)
SUBMISSIONS = QueueSource()
# Executions the starter may have in flight at once: the ESM's maximum concurrency (CDK context
# ``ocrflow:start_max_concurrency``); the queue holds the rest, so a burst becomes waiting.
START_MAX_CONCURRENCY = 5
SCORER_TARGET = RuleTarget(retry_attempts=185, max_event_age_seconds=24 * 3600)
ASYNC_INVOKE = AsyncInvoke()
# How often the starter and scorer try a PutEvents whose entries EventBridge refused, before the
# invocation fails and its own retry path (the queue, Lambda's async retries) takes over.
PUT_EVENTS_ATTEMPTS = 4
