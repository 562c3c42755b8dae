"""PutEvents with every entry checked: refused entries are sent again, and still-refused ones fail."""

from __future__ import annotations

import pytest

from ocrflow.bus import put_events
from ocrflow.errors import OcrflowError, TransientError


class Bus:
    """A PutEvents that refuses entries by plan: ``refusals[n]`` is the set of entry details refused
    on the n-th call, as EventBridge answers (200, ``FailedEntryCount``, an ErrorCode per entry)."""

    def __init__(self, refusals: list[set[str]]) -> None:
        self.refusals, self.calls = refusals, []

    def put_events(self, Entries):  # noqa: N803
        refused = self.refusals[len(self.calls)] if len(self.calls) < len(self.refusals) else set()
        self.calls.append([e["Detail"] for e in Entries])
        entries = [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"} if e["Detail"] in refused
                   else {"EventId": f"id-{e['Detail']}"} for e in Entries]
        return {"FailedEntryCount": sum("ErrorCode" in e for e in entries), "Entries": entries}


def entries(*details: str) -> list[dict]:
    return [{"EventBusName": "b", "Source": "s", "DetailType": "t", "Detail": d} for d in details]


def test_refused_entries_alone_are_sent_again():
    bus = Bus([{"b"}, set()])
    assert put_events(bus, entries("a", "b", "c"), what="bus b", sleep=lambda _: None) == ["id-a", "id-b", "id-c"]
    assert bus.calls == [["a", "b", "c"], ["b"]]


def test_entries_still_refused_after_the_attempts_fail_the_call():
    bus = Bus([{"a"}] * 4)
    with pytest.raises(TransientError, match="refused 1 of 2 entries after 4 attempts: ThrottlingException"):
        put_events(bus, entries("a", "b"), what="bus b", sleep=lambda _: None)
    assert bus.calls == [["a", "b"], ["a"], ["a"], ["a"]]


def test_a_refused_call_is_not_transient():
    from botocore.exceptions import ClientError

    class Missing:
        def put_events(self, Entries):  # noqa: N803
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": "no bus"}}, "PutEvents")

    with pytest.raises(OcrflowError) as raised:
        put_events(Missing(), entries("a"), what="bus b")
    assert not isinstance(raised.value, TransientError)
