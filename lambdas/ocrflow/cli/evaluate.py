"""``ocrflow eval``: manifests scored as test events through the local state machine, one variant
or several interleaved, with the deltas against a baseline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifests", nargs="+", type=Path, help="SageMaker Ground Truth manifests")
    parser.add_argument("--out", type=Path, required=True, help="writes DIR/summary.json and DIR/report.html "
                        "(with --variants: DIR/<variant>/..., each with comparison.json against the first)")
    parser.add_argument("--variant", help="run this variant (declared in variants.json)")
    parser.add_argument("--variants", help="comma-separated: run each, interleaved; the first is the baseline")
    parser.add_argument("--compare", type=Path, help="directory of another run to show deltas against")


def write_run(out: Path, summary: dict, records: list[dict], baseline: dict | None) -> None:
    # matplotlib (ocrflow[local]) only for --report
    from ..evaluation.html_report import render
    from ..evaluation.summary import compare

    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    (out / "report.html").write_text(render(summary, records, baseline))
    if baseline is not None:
        (out / "comparison.json").write_text(json.dumps(compare(summary, baseline), indent=1))


def print_totals(summary: dict, baseline: dict | None) -> None:
    # only with a baseline
    from ..evaluation.summary import compare

    label = summary.get("variant") or "baseline"
    deltas = compare(summary, baseline)["datasets"] if baseline is not None else {}
    for name, totals in summary["datasets"].items():
        row = deltas.get(name, {})

        def delta(key: str, row: dict = row) -> str:
            return f" ({row[key]['delta']:+.4f})" if key in row else ""

        print(f"{label} {name}: {totals['documents']} documents, alphanumeric word F1 "
              f"{totals['alnum']['f1']:.4f}{delta('alnum')}, word F1 {totals['word']['f1']:.4f}{delta('word')}, "
              f"CER {totals['cer']:.4f}{delta('cer')}, line CER {totals['line_cer']:.4f}{delta('line_cer')}, "
              f"detection R/P {totals['detection_recall']:.3f}/{totals['detection_precision']:.3f}")


def run(args: argparse.Namespace) -> int:
    # a command loads its machinery when it runs, not for `ocrflow --help`
    from ..evaluation.summary import summarise
    from ..local.campaign import run_campaign

    if args.variant and args.variants:
        print("ocrflow eval: --variant and --variants exclude each other", file=sys.stderr)
        return 2
    variants = [v or None for v in args.variants.split(",")] if args.variants else [args.variant]
    baseline = json.loads((args.compare / "summary.json").read_text()) if args.compare else None
    runs = run_campaign(args.manifests, variants=variants)
    first = None
    for variant, records in runs.items():
        summary = summarise(records, variant)
        against = baseline if baseline is not None or first is None else first
        out = args.out / (variant or "baseline") if len(runs) > 1 else args.out
        write_run(out, summary, records, against)
        print_totals(summary, against)
        first = first or summary
    print(f"wrote {args.out}")
    return 0
