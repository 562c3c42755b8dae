"""``ocrflow bench``: speed, memory, cold start, throughput and cost of ocrflow on a corpus, with
RapidOCR and Tesseract measured on the same documents in the same run where they are installed.

Figures are printed, never asserted: they are for people to compare (ratios within one run on
one machine are what travels between machines).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
from pathlib import Path

from ..evaluation.scoring import bag_scores, prf


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="ground-truth manifests (*.jsonl: word F1 too), documents or folders")
    parser.add_argument("--limit", type=int, help="the first N documents only")
    parser.add_argument("--peers", default="", help="comma-separated: rapidocr,tesseract")
    parser.add_argument("--peer-python", default=sys.executable,
                        help="the Python that has RapidOCR installed (default: this one)")
    parser.add_argument("--workers", default="1,2,4", help="documents in flight for the throughput figures")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: cold,throughput,fresh")
    parser.add_argument("--json", type=Path, help="also write every figure as JSON here (- for stdout)")
    parser.add_argument("--stage-backend", action="append", default=[], metavar="STAGE=BACKEND",
                        help="as for `ocrflow run`: the state machine path with emulated endpoints")


def engine_scores(documents, texts: list[list[str]]) -> dict:
    """Micro-averaged word and alphanumeric F1 over the documents with ground truth."""
    totals: dict[str, list[int]] = {}
    for document, lines in zip(documents, texts):
        if document.truth is None:
            continue
        scores = bag_scores([line.text for line in document.truth if not line.ignore], lines)
        for kind in ("word", "alnum"):
            counts = totals.setdefault(kind, [0, 0, 0])
            for i, part in enumerate(("tp", "pred", "gt")):
                counts[i] += scores[f"{kind}_{part}"]
    return {f"{kind}_f1": prf(*counts)["f1"] for kind, counts in totals.items()}


def run(args: argparse.Namespace) -> int:
    # the bench loads the whole local stack: only when it runs, not for `ocrflow --help`
    from ..local.runner import LocalRunner
    from ..orchestration.backends import Backends
    from ..pipeline import PagePipeline
    from ..registry import ALL_FUNCTIONS, stage_names
    from . import cold, cost, fresh, measure, peers, table
    from .corpus import collect

    documents = collect(args.inputs, args.limit)
    if not documents:
        print("ocrflow bench: no documents in " + " ".join(args.inputs), file=sys.stderr)
        return 2
    skip = set(filter(None, args.skip.split(",")))
    unknown = set(filter(None, args.peers.split(","))) - set(peers.PEERS)
    if unknown:
        print(f"ocrflow bench: unknown peer {', '.join(sorted(unknown))}; known: {', '.join(peers.PEERS)}",
              file=sys.stderr)
        return 2
    counter = cost.S3Counter().install()
    runner = LocalRunner(trace=True, backends=Backends.parse(args.stage_backend))
    pipeline = PagePipeline()
    print(f"ocrflow bench: {len(documents)} documents...", file=sys.stderr)
    found = measure.interleaved(documents, pipeline, runner, counter)
    by_document: dict[str, list[str]] = {}
    for page in found.pages:
        by_document.setdefault(page.document, []).extend(page.text.splitlines())
    ocrflow_texts = [by_document.get(str(d.path), []) for d in documents]
    direct_total = sum(found.direct_document_ms)
    stage_keys = ["decode", *stage_names(), "validation"]
    result: dict = {
        "documents": len(documents), "pages": len(found.pages),
        "machine": f"{platform.machine()}, {resource_cpus()} CPUs, Python {platform.python_version()}",
        "stages": {k: measure.summary([p.stage_ms.get(k, 0.0) for p in found.pages]) for k in stage_keys}
        | {"page": measure.summary([p.direct_ms for p in found.pages])},
        "end_to_end": {"direct": measure.summary(found.direct_document_ms),
                       "state machine": measure.summary(found.machine_ms),
                       "overhead_percent": 100 * (sum(found.machine_ms) / direct_total - 1) if direct_total else None},
        "by_characters": measure.by_characters(found.pages),
        "history": measure.largest_document(found.history, found.usage.pages),
        "engines": {"ocrflow": {"version": _version(), "total_ms": direct_total, "ratio": 1.0,
                                **engine_scores(documents, ocrflow_texts)}},
    }
    if "cold" not in skip:
        print("ocrflow bench: cold starts...", file=sys.stderr)
        result["cold_start"] = cold.cold_starts(list(stage_names()))
    if "throughput" not in skip:
        print("ocrflow bench: throughput...", file=sys.stderr)
        workers = [int(n) for n in args.workers.split(",") if n]
        result["throughput"] = measure.throughput(documents, len(found.pages), runner, workers)
    for name in filter(None, args.peers.split(",")):
        print(f"ocrflow bench: {name}...", file=sys.stderr)
        peer = peers.PEERS[name](documents, args.peer_python)
        entry: dict = {"version": peer.version}
        if peer.skipped:
            entry["skipped"] = peer.skipped
        else:
            entry |= {"total_ms": sum(peer.document_ms), "ratio": direct_total / sum(peer.document_ms),
                      **engine_scores(documents, peer.texts)}
        result["engines"][name] = entry
    if "fresh" not in skip:
        print("ocrflow bench: one document in fresh processes...", file=sys.stderr)
        result["fresh_process"] = fresh.fresh_process(str(documents[0].path), sys.executable, args.peer_python)
    backends = runner.backends  # the endpoint backends' functions (the dispatcher, the invoker) are theirs
    memory = {f.name: f.memory_mb for f in (*ALL_FUNCTIONS, *backends.functions(), *backends.support_functions())}
    result["usage"] = vars(found.usage)
    result["cost_per_1000_pages"] = cost.per_thousand_pages(found.usage, memory)
    if backends.endpoints:
        result["endpoint_idle_per_month"] = cost.idle_per_month(backends)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    runner.close()
    print(table.render(result))
    if args.json is not None:
        text = json.dumps(result, indent=2, default=str)
        if str(args.json) == "-":
            print(text)
        else:
            args.json.write_text(text)
    return 0


def resource_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _version() -> str:
    # the version only for the JSON report
    from .. import __version__

    return __version__
