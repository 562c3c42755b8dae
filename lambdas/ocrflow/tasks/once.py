"""At most once per key: Powertools Idempotency on DynamoDB, as the starter and the scorer use it.

Both are reached at least once (a queue's redelivery, Lambda's asynchronous retries, EventBridge's
own duplicates), and both have a side effect that must not repeat: an execution started, an event
published. The first call with a key runs the function and stores its answer for the window; a
repeat gets the stored answer; a concurrent repeat fails while the first is in progress (and is
delivered again by its hop); an invocation that died inside the function leaves its record in
progress only until the invocation's own deadline.
"""

from __future__ import annotations

from typing import Any, Callable

from .context import TaskContext


def once(function: Callable[[dict], dict], key: str, ctx: TaskContext, *, table: str,
         window_seconds: int) -> tuple[dict, bool]:
    """``function({"key": key})``'s answer, and whether this call only replayed an earlier one."""
    # Powertools' idempotency (and its DynamoDB layer) when a task first runs once
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.persistence.dynamodb import DynamoDBPersistenceLayer

    replayed = []

    def mark_replayed(response: Any, idempotent_data: Any) -> Any:
        replayed.append(True)
        return response

    config = IdempotencyConfig(expires_after_seconds=window_seconds, event_key_jmespath="key",
                               response_hook=mark_replayed)
    if ctx.invocation is not None:  # an in-progress record expires with the invocation, not an hour later
        config.register_lambda_context(ctx.invocation)
    guarded = idempotent_function(
        function, data_keyword_argument="submission", config=config,
        persistence_store=DynamoDBPersistenceLayer(table_name=table, boto3_client=ctx.client("dynamodb")))
    return guarded(submission={"key": key}), bool(replayed)
