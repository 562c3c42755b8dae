"""What a local run of one document came to: its answer, its events and, on request, the
time each state took."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from ..schema.document import Document


@dataclass
class RunError:
    code: str
    message: str
    stage: str | None = None


@dataclass
class Outcome:
    error: RunError | None = None
    trace: list[str] = field(default_factory=list)
    state_milliseconds: dict[str, float] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    duplicate: bool = False  # the starter found this document and content already submitted
    result_bytes: Callable[[], bytes] | None = None  # reads document.json from the work bucket
    history: "HistoryCounts | None" = None  # with trace: what the execution cost in Step Functions terms
    _document: Document | None = None

    @property
    def document(self) -> Document | None:
        """The native result, read back from S3 the first time it is asked for."""
        if self._document is None and self.result_bytes is not None:
            self._document = Document.model_validate_json(self.result_bytes())
        return self._document


@dataclass(frozen=True)
class HistoryCounts:
    """An execution's size as Step Functions bills and limits it. Every state a Standard execution
    enters is a billed transition; an Express execution is billed per request and per 64 MB-second
    instead. The document's states (in the Express execution when one ran them) hold at most
    25,000 history events in a Standard execution."""

    events: int  # of the document's states
    transitions: int  # billed: the Standard execution's
    page_transitions: int  # billed, entered inside the Map's iterations
    page_events: int  # the Map's iterations' own events and those inside them
    lambda_invocations: int
    express_executions: int = 0
    express_milliseconds: float = 0.0

    @classmethod
    def of(cls, history: list[dict], express: list[dict] | None = None) -> "HistoryCounts":
        standard, document = _count(history), _count(express or history)
        return cls(events=document["events"], transitions=standard["transitions"],
                   page_transitions=standard["page_transitions"], page_events=document["page_events"],
                   lambda_invocations=standard["invocations"] + (document["invocations"] if express else 0),
                   express_executions=1 if express else 0,
                   express_milliseconds=_duration(express) if express else 0.0)


def _count(history: list[dict]) -> dict[str, int]:
    inside = 0
    counts = dict.fromkeys(("events", "transitions", "page_transitions", "page_events", "invocations"), 0)
    for event in history:
        kind = event["type"]
        entered = kind.endswith("StateEntered")
        inside += kind == "MapIterationStarted"
        counts["transitions"] += entered
        counts["page_events"] += inside > 0
        counts["page_transitions"] += entered and inside > 0
        counts["invocations"] += (kind == "TaskScheduled"
                                  and event["taskScheduledEventDetails"]["resourceType"] == "lambda")
        inside -= kind.startswith("MapIteration") and kind != "MapIterationStarted"
    counts["events"] = len(history)
    return counts


def _duration(history: list[dict]) -> float:
    return (history[-1]["timestamp"] - history[0]["timestamp"]).total_seconds() * 1e3


def state_durations(history: list[dict]) -> tuple[list[str], dict[str, float]]:
    """Pair StateEntered/StateExited events; Map iterations add up per state name."""
    entered: dict[str, list] = defaultdict(list)
    lines: list[str] = []
    totals: defaultdict[str, float] = defaultdict(float)
    for event in history:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            entered[details["name"]].append(event["timestamp"])
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            if entered[name]:
                ms = (event["timestamp"] - entered[name].pop()).total_seconds() * 1e3
                totals[name] += ms
                lines.append(f"{name:<28} {ms:9.1f} ms")
    return lines, dict(totals)
