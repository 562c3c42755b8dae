"""PDFium is not thread-safe: `ocrflow run -j 2` renders PDF pages under one process-wide lock
(documents.PDFIUM_LOCK). The alternative is rendering in a worker process. This runs both on the
same multi-page PDFs through the local state machine, alternating, and prints the figures.

    python benchmarks/pdfium_lock.py [PAGES] [ROUNDS]
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocrflow import documents  # noqa: E402
from ocrflow.local.runner import LocalRunner  # noqa: E402
from ocrflow.settings import IngestSettings  # noqa: E402
from ocrflow.synthetic import render_pdf  # noqa: E402

LOCKED = documents._pdf_pages
RENDER_S: list[float] = []


def _render_in_worker(data: bytes, settings: IngestSettings) -> list[documents.PageImage]:
    return list(LOCKED(data, settings))


def in_worker(pool: concurrent.futures.Executor):
    """``_pdf_pages`` with the whole document rendered in a worker process (pages pickled back)."""
    def pages(data: bytes, settings: IngestSettings):
        start = time.perf_counter()
        rendered = pool.submit(_render_in_worker, data, settings).result()
        RENDER_S.append(time.perf_counter() - start)
        yield from rendered
    return pages


def timed_locked(data: bytes, settings: IngestSettings):
    start = time.perf_counter()
    rendered = list(LOCKED(data, settings))
    RENDER_S.append(time.perf_counter() - start)
    yield from rendered


def pdfs(pages: int, tag: str) -> list[tuple[str, bytes]]:
    return [(f"{tag}-{n}.pdf", render_pdf([[f"Statement {tag} {n} page {p}", "Opening balance 1,204.50",
                                            "Closing balance 998.10", f"Reference {n}{p}-{tag}"]
                                           for p in range(pages)])) for n in range(2)]


def main(pages: int = 6, rounds: int = 2) -> None:
    runner = LocalRunner()
    runner.run_source(pdfs(1, "warm")[0])
    figures: dict[str, list[tuple[float, float]]] = {"lock": [], "worker process": []}
    try:
        for round in range(rounds):
            for variant in figures:
                RENDER_S.clear()
                start = time.perf_counter()
                if variant == "lock":
                    documents._pdf_pages = timed_locked
                    outcomes = list(runner.run_sources(pdfs(pages, f"l{round}"), jobs=2))
                else:  # a fresh worker per run, as a fresh `ocrflow run` would start one
                    context = multiprocessing.get_context("spawn")  # fork is unsafe beside onnxruntime threads
                    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
                        documents._pdf_pages = in_worker(pool)
                        outcomes = list(runner.run_sources(pdfs(pages, f"w{round}"), jobs=2))
                assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
                figures[variant].append((time.perf_counter() - start, sum(RENDER_S)))
    finally:
        documents._pdf_pages = LOCKED
        runner.close()
    print(f"ocrflow run -j 2, two {pages}-page PDFs, {rounds} rounds (best of each):")
    print("| rendering | wall s | s waiting for pages | vs lock |\n|---|---|---|---|")
    best = {variant: min(runs) for variant, runs in figures.items()}
    for variant, (wall, render) in best.items():
        print(f"| {variant} | {wall:.2f} | {render:.2f} | {wall / best['lock'][0]:.2f}x |")


if __name__ == "__main__":
    main(*map(int, sys.argv[1:3]))
