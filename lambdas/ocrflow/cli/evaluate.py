"""``ocrflow eval``: manifests scored as test events through the local state machine."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("manifests", nargs="+", type=Path, help="SageMaker Ground Truth manifests")
    parser.add_argument("--out", type=Path, required=True, help="writes DIR/summary.json and DIR/report.html")
    parser.add_argument("--variant", help="label of this run (A/B)")
    parser.add_argument("--compare", type=Path, help="directory of another run to show deltas against")


def run(args: argparse.Namespace) -> int:
    from ..evaluation.report import render
    from ..local.campaign import run_campaign, summarise

    records = run_campaign(args.manifests, variant=args.variant)
    summary = summarise(records, args.variant)
    baseline = json.loads((args.compare / "summary.json").read_text()) if args.compare else None
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    (args.out / "report.html").write_text(render(summary, records, baseline))
    for name, totals in summary["datasets"].items():
        print(f"{name}: {totals['documents']} documents, word F1 {totals['word']['f1']:.4f}, "
              f"CER {totals['cer']:.4f}, line CER {totals['line_cer']:.4f}, "
              f"detection R/P {totals['detection_recall']:.3f}/{totals['detection_precision']:.3f}")
    print(f"wrote {args.out / 'summary.json'} and {args.out / 'report.html'}")
    return 0
