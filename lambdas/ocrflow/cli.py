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

    runner = LocalRunner(trace=args.trace)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ocrflow", description="OCR pipeline for AWS, runnable locally")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="OCR files through the local state machine")
    run.add_argument("files", nargs="+", help="PDF, PNG, JPEG, TIFF, BMP or WebP files")
    run.add_argument("--format", choices=("json", "text", "textract"), default="json")
    run.add_argument("--out", type=Path, help="write DIR/<stem>.json|.txt instead of stdout")
    run.add_argument("--trace", action="store_true", help="print each state and its duration")
    run.set_defaults(func=cmd_run)
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
