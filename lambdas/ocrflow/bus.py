"""Putting events on the bus, every entry checked.

``PutEvents`` answers 200 even when it refuses entries: the refused ones carry an ``ErrorCode`` and
are counted in ``FailedEntryCount``, and the caller must send them again ("Sending events with
PutEvents", Amazon EventBridge User Guide). Every ocrflow function that publishes goes through
``put_events`` here: the refused entries are sent again with backoff, and if some are still refused
the call raises ``TransientError``, so that the invocation fails and its own retry path (the
submissions queue, Lambda's asynchronous retries) delivers it later instead of dropping it.
"""

from __future__ import annotations

import random
import time

from .errors import OcrflowError, TransientError
from .schema.delivery import PUT_EVENTS_ATTEMPTS
from .storage import aws_call

BACKOFF_SECONDS, BACKOFF_CAP_SECONDS = 0.1, 2.0


def put_events(client, entries: list[dict], *, what: str, attempts: int = PUT_EVENTS_ATTEMPTS,
               sleep=time.sleep) -> list[str]:
    """The event ids, in the order of ``entries``; ``TransientError`` names the entries still refused."""
    ids: list[str | None] = [None] * len(entries)
    pending = list(range(len(entries)))
    refused: list[str] = []
    for attempt in range(attempts):
        if attempt:  # full jitter, as the AWS SDKs back off
            sleep(random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_SECONDS * 2 ** attempt)))
        # a refused call (no such bus, access denied) is a deployment defect; throttling is transient
        response = aws_call(client, "put_events", what=what, permanent=OcrflowError,
                            Entries=[entries[i] for i in pending])
        results = response.get("Entries", [])
        refused, still = [], []
        for index, result in zip(pending, results):
            if result.get("EventId") and not result.get("ErrorCode"):
                ids[index] = result["EventId"]
            else:
                still.append(index)
                refused.append(f"{result.get('ErrorCode', 'no answer')}: {result.get('ErrorMessage', '')}")
        still += pending[len(results):]  # an answer shorter than the request: the rest were not taken
        pending = still
        if not pending:
            return [i for i in ids if i is not None]
    raise TransientError(f"PutEvents to {what} refused {len(pending)} of {len(entries)} entries after "
                         f"{attempts} attempts: {'; '.join(refused[:3])}")
