"""Timing of the pipeline on a corpus: the stages called directly and the local state machine,
interleaved document by document so that a drift in this machine's speed hits both alike;
then documents per minute with several documents in flight."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import numpy as np

from ..registry import PIPELINE_FUNCTIONS, camel
from .corpus import BenchDocument
from .cost import S3Counter, Usage

CHAR_BUCKETS = ((0, 10), (10, 100), (100, 500), (500, 1000), (1000, None))
FUNCTION_OF_STATE = {camel(f.name): f.name for f in PIPELINE_FUNCTIONS}
_SUBMISSIONS = itertools.count()


def submit(runner, document: BenchDocument):
    """Through the state machine as a new document each time: the starter would take the same file
    again for a duplicate and start nothing."""
    return runner.run_source(document.path, document_id=f"bench-{next(_SUBMISSIONS)}-{document.path.stem}"[:128])


@dataclass
class PageTiming:
    document: str
    stage_ms: dict[str, float]  # decode and every stage, direct
    direct_ms: float  # the page, direct, decode included
    characters: int  # what ocrflow read on it
    text: str


@dataclass
class Measurements:
    pages: list[PageTiming] = field(default_factory=list)
    machine_ms: list[float] = field(default_factory=list)  # per document, end to end
    direct_document_ms: list[float] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    history: list = field(default_factory=list)  # HistoryCounts per document


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    array = np.asarray(values, dtype=float)
    return {"n": len(values), "mean": float(array.mean()), "p50": float(np.percentile(array, 50)),
            "p95": float(np.percentile(array, 95))}


def direct_pages(pipeline, document: BenchDocument) -> list[PageTiming]:
    # the pipeline loads its models: only when a measurement runs
    from ..documents import load_pages
    from ..pipeline import StageTimer

    timer = StageTimer()
    with timer("decode"):
        pages = list(load_pages(document.path.read_bytes()))
    out = []
    for page in pages:
        page_timer = StageTimer()
        page_start = time.perf_counter()
        result = pipeline(page.image, page.number, timer=page_timer)
        text = "\n".join(line.text for line in result.lines)
        stage_ms = {"decode": timer.milliseconds["decode"] / len(pages), **page_timer.milliseconds}
        out.append(PageTiming(str(document.path), stage_ms, (time.perf_counter() - page_start) * 1e3
                              + stage_ms["decode"], sum(not c.isspace() for c in text), text))
    return out  # never empty: load_pages raises EmptyDocumentError for a document without pages


def interleaved(documents: list[BenchDocument], pipeline, runner, counter: S3Counter) -> Measurements:
    """Each document directly, then through the state machine; after one warm-up document each."""
    found = Measurements()
    usage = found.usage
    usage.function_ms.update({f.name: 0.0 for f in PIPELINE_FUNCTIONS})
    direct_pages(pipeline, documents[0])
    submit(runner, documents[0])
    for document in documents:
        start = time.perf_counter()
        pages = direct_pages(pipeline, document)
        found.direct_document_ms.append((time.perf_counter() - start) * 1e3)
        found.pages += pages
        writes, reads = counter.writes, counter.reads
        start = time.perf_counter()
        outcome = submit(runner, document)
        found.machine_ms.append((time.perf_counter() - start) * 1e3)
        if outcome.error is not None or outcome.history is None:
            continue
        usage.documents += 1
        usage.pages += len(pages)
        usage.s3_writes += counter.writes - writes - 1  # less the upload: the sender's, not ocrflow's
        usage.s3_reads += counter.reads - reads
        usage.transitions += outcome.history.transitions
        usage.page_transitions += outcome.history.page_transitions
        usage.express_executions += outcome.history.express_executions
        usage.express_ms += outcome.history.express_milliseconds
        usage.lambda_invocations += outcome.history.lambda_invocations
        usage.events += len(outcome.events)
        for state, ms in outcome.state_milliseconds.items():
            if state in FUNCTION_OF_STATE:
                usage.function_ms[FUNCTION_OF_STATE[state]] += ms
        found.history.append(outcome.history)
    return found



def throughput(documents: list[BenchDocument], pages: int, runner, workers: list[int]) -> dict[int, float]:
    """Pages per minute through the local state machine with ``n`` documents in flight."""
    rates = {}
    for n in workers:
        start = time.perf_counter()
        for outcome in runner.run_many(lambda d: submit(runner, d), documents, n):
            if outcome.error is not None or outcome.duplicate:
                raise RuntimeError(f"a benchmark document failed: {outcome.error}")
        rates[n] = pages / (time.perf_counter() - start) * 60
    return rates


def by_characters(pages: list[PageTiming]) -> list[dict]:
    """Direct milliseconds per page by how much text the page holds: the cost of a text-heavy page
    should grow far slower than its text."""
    rows = []
    for low, high in CHAR_BUCKETS:
        chosen = [p.direct_ms for p in pages if p.characters >= low and (high is None or p.characters < high)]
        rows.append({"characters": f"{low}-{high}" if high else f">{low}", **summary(chosen)})
    return rows


def largest_document(histories: list, pages: int, limit: int = 25_000) -> dict:
    """History events per execution as ``fixed + per_page * pages`` (the Map's iterations are the
    per-page part), and the page count that reaches Step Functions' limit of events per execution."""
    if not histories or not pages:
        return {}
    per_page = sum(h.page_events for h in histories) / pages
    fixed = sum(h.events - h.page_events for h in histories) / len(histories)
    return {"fixed": round(fixed, 1), "per_page": round(per_page, 1),
            "largest_document_pages": int((limit - fixed) // per_page)}
