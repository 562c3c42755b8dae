"""``ocrflow bench``'s table: what a person reads on the terminal (``--json`` has every figure)."""

from __future__ import annotations


def _row(cells: list, widths: list[int]) -> str:
    return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))


def table(title: str, header: list[str], rows: list[list]) -> str:
    if not rows:
        return ""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [title, _row(header, widths), _row(["-" * w for w in widths], widths)]
    return "\n".join([*lines, *(_row(r, widths) for r in rows)]) + "\n"


def fmt(value, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def render(result: dict) -> str:
    out = [f"ocrflow bench: {result['documents']} documents, {result['pages']} pages, "
           f"{result['machine']}\n"]
    stages = result["stages"]
    out.append(table("Milliseconds per page, stages called directly (after one warm-up document)",
                     ["stage", "mean", "p50", "p95"],
                     [[name, fmt(s.get("mean")), fmt(s.get("p50")), fmt(s.get("p95"))] for name, s in stages.items()]))
    e2e = result["end_to_end"]
    out.append(table("Milliseconds per document, interleaved in one process",
                     ["path", "mean", "p50", "p95"],
                     [[name, fmt(s.get("mean")), fmt(s.get("p50")), fmt(s.get("p95"))] for name, s in e2e.items()
                      if isinstance(s, dict)]) + f"state machine overhead: {fmt(e2e['overhead_percent'], 1)} %\n")
    out.append(table("Direct milliseconds per page by characters read", ["characters", "pages", "mean", "p95"],
                     [[r["characters"], r["n"], fmt(r.get("mean")), fmt(r.get("p95"))]
                      for r in result["by_characters"]]))
    if result.get("cold_start"):
        out.append(table("Cold start per stage, fresh process (imports + model load + first page)",
                         ["stage", "imports", "model load", "first page", "cold", "process"],
                         [[n, fmt(c.get("import_ms")), fmt(c.get("load_ms")), fmt(c.get("first_page_ms")),
                           fmt(c.get("cold_ms")), fmt(c.get("process_ms"))] if "error" not in c else [n, c["error"]]
                          + [""] * 4 for n, c in result["cold_start"].items()]))
    if result.get("throughput"):
        out.append(table("Pages per minute through the local state machine", ["documents at once", "pages/min"],
                         [[n, fmt(rate, 1)] for n, rate in result["throughput"].items()]))
    if result.get("fresh_process"):
        fresh = result["fresh_process"]
        base = fresh.get("rapidocr", {}).get("ms")
        out.append(table("One document, whole process (median of 3)", ["command", "ms", "peak MB", "/ RapidOCR"],
                         [[n, fmt(v["ms"]), fmt(v["peak_mb"]), fmt(v["ms"] / base, 2) if base else "-"]
                          for n, v in fresh.items()]))
    engines = result["engines"]
    out.append(table("Engines on the same documents (warm, in this run)",
                     ["engine", "version", "total s", "ocrflow / it", "word F1", "alnum F1"],
                     [[n, e.get("version", ""),
                       fmt(e.get("total_ms", 0) / 1e3, 1) if "skipped" not in e else e["skipped"],
                       fmt(e.get("ratio"), 2), fmt(e.get("word_f1"), 4), fmt(e.get("alnum_f1"), 4)]
                      for n, e in engines.items()]))
    history = result.get("history", {})
    if history.get("per_page"):
        out.append(f"Step Functions history: {history['fixed']} events + {history['per_page']} per page; "
                   f"the largest document one execution holds: {history['largest_document_pages']:,} pages\n")
    cost = result.get("cost_per_1000_pages")
    if cost:
        out.append(table("Estimated AWS cost per 1,000 pages (us-east-1 list prices)", ["item", "USD"],
                         [[k, fmt(v, 4)] for k, v in cost.items()]))
    out.append(f"peak resident memory of this process: {fmt(result['peak_rss_mb'])} MB")
    return "\n".join(o for o in out if o)
