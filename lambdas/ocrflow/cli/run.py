"""``ocrflow run``: documents through the local state machine, as AWS would run them.

Standard output carries only results; standard error one line per document that
failed (``<file>: <ERROR_CODE>: <message>``) and, on a terminal, a progress bar.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

from ..orchestration.backends import BACKENDS, LAMBDA
from . import languages
from .formats import FORMATS, Rendering, framed, stdout_problem
from .inputs import STDIN, Input, expand, output_path
from .output import OutputExists, current_umask, write_output

# Two documents in flight overlap one's orchestration and I/O with the other's inference: 25 receipts
# take 7-10 % less time on two cores than one at a time (README, Performance); four gain nothing more.
MAX_DEFAULT_JOBS = 4
DEFAULT_JOBS = max(1, min(MAX_DEFAULT_JOBS, os.cpu_count() or 1))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("inputs", nargs="+", metavar="FILE",
                        help="PDF, PNG, JPEG, TIFF, BMP or WebP files, folders of them, or - for standard input")
    parser.add_argument("--format", choices=sorted(FORMATS), default="json",
                        help="; ".join(f"{name}: {f.help}" for name, f in FORMATS.items()))
    parser.add_argument("--out", type=Path, help="write DIR/<input's relative path><suffix> instead of stdout")
    parser.add_argument("--overwrite", action="store_true", help="replace existing files under --out")
    parser.add_argument("-r", "--recursive", action="store_true", help="take folders' subfolders too")
    parser.add_argument("-j", "--jobs", type=int, default=DEFAULT_JOBS, metavar="N",
                        help=f"documents processed at once (default: the CPU count, at most {MAX_DEFAULT_JOBS})")
    parser.add_argument("--trace", action="store_true", help="print each state and its duration")
    parser.add_argument("--stage-backend", action="append", metavar="STAGE=BACKEND",
                        help="run a stage (regions, text_detection, recognition) or 'fused' on an emulated "
                             f"SageMaker endpoint ({', '.join(b for b in BACKENDS if b != LAMBDA)}): "
                             "e.g. text_detection=sagemaker_async")
    parser.add_argument("--no-daemon", action="store_true",
                        help="run in this process even where `ocrflow daemon start` has one running")
    parser.add_argument("-l", "--lang", type=languages.parse, metavar="LANG[+LANG]",
                        help="Tesseract's language codes, e.g. eng, deu+fra, chi_sim (default: Latin-script "
                             "languages; an unknown code is refused with the list)")
    parser.add_argument("--image-dpi", type=float, metavar="DPI",
                        help="resolution of images whose header states none (PDF page size, hOCR scan_res; "
                             "default 300)")
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="no progress bar; only errors on stderr")
    verbosity.add_argument("-v", "--verbose", action="store_true",
                           help="a line per document on stderr: status, pages, lines, mean confidence")


class Progress:
    """A bar on standard error, only when it is a terminal: pages of a single document, else documents."""

    def __init__(self, documents: int, quiet: bool = False) -> None:
        # tqdm only where a progress bar is drawn
        from tqdm import tqdm

        self.single = documents == 1
        self.bar = tqdm(total=None if self.single else documents, unit="page" if self.single else "document",
                        file=sys.stderr, disable=quiet or not sys.stderr.isatty(), leave=False, dynamic_ncols=True)

    def pages(self, document_id: str, done: int, total: int) -> None:
        if self.single:
            self.bar.total = total
            self.bar.n = done
            self.bar.refresh()

    def document_done(self) -> None:
        if not self.single:
            self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def read(item: Input, stdin: bytes | None) -> bytes:
    if item.path is not None:
        return item.path.read_bytes()
    assert stdin is not None, "standard input is read where an input names it"
    return stdin


def run(args: argparse.Namespace, runner=None) -> int:
    """``runner``: a deployed ``LocalRunner`` to reuse (the daemon's), else one for this call."""
    # the local stack (moto) loads when a run starts, not for `ocrflow run --help`
    from ..local.runner import LocalRunner
    from ..tasks.context import StageCache, TaskContext
    from ..orchestration.backends import Backends

    try:
        backends = Backends.parse(args.stage_backend)
    except ValueError as exc:
        print(f"ocrflow: --stage-backend: {exc}", file=sys.stderr)
        return 2
    items = expand(args.inputs, args.recursive)
    if not items:
        print("ocrflow: no PDF or image files in " + " ".join(args.inputs), file=sys.stderr)
        return 2
    to_stdout = on_stdout(items, args.out)
    problem = stdout_problem(FORMATS[args.format], to_stdout, sys.stdout.isatty()) if to_stdout else None
    if problem:
        print(f"ocrflow: --format {args.format}: {problem}", file=sys.stderr)
        return 2
    stdin = sys.stdin.buffer.read() if any(item.path is None for item in items) else None
    progress = Progress(len(items), quiet=args.quiet)
    owned = runner is None
    if owned:
        stages = StageCache(languages.stage_settings(args.lang or ()))  # -l's recogniser, for every function
        runner = LocalRunner(trace=args.trace, backends=backends, on_pages=progress.pages,
                             context=TaskContext(stages=stages))
    else:
        runner.trace, runner.on_pages = args.trace, progress.pages
    try:
        return _run_all(runner, items, stdin, args, progress)
    finally:
        progress.close()
        if owned:
            runner.close()


def on_stdout(items: list[Input], out: Path | None) -> int:
    """How many of the documents go to standard output (all without --out; standard input's always)."""
    return sum(out is None or item.name == STDIN for item in items)


def summary(name: str, document) -> str:
    """-v's line for a document."""
    lines = [line for page in document.pages for line in page.lines]
    mean = sum(line.confidence for line in lines) / len(lines) if lines else 0.0
    return (f"{name}: {document.status}, {len(document.pages)} page(s), {len(lines)} line(s), "
            f"mean line confidence {mean:.3f}")


def _run_all(runner, items: list[Input], stdin: bytes | None, args: argparse.Namespace, progress: Progress) -> int:
    fmt, failed, written = FORMATS[args.format], 0, set()
    to_stdout = on_stdout(items, args.out)
    umask = getattr(args, "umask", None)  # the daemon's client's; else this process's
    umask = current_umask() if umask is None else umask
    documents = [item.path if item.path is not None else ("stdin", stdin) for item in items]
    for item, outcome in zip(items, runner.run_sources(documents, jobs=args.jobs)):
        progress.document_done()
        if outcome.error is not None:
            failed += 1
            print(f"{item.name}: {outcome.error.code}: {outcome.error.message}", file=sys.stderr)
            continue
        rendering = Rendering(outcome.document, functools.partial(read, item, stdin), item.name, args.image_dpi)
        if args.verbose:
            print(summary(item.name, outcome.document), file=sys.stderr)
        data = framed(fmt, rendering, to_stdout) if args.out is None or item.name == STDIN \
            else fmt.render(rendering, False)
        if args.out is not None and item.name != STDIN:
            target = output_path(args.out, item, fmt.suffix)
            try:
                if target in written:
                    raise OutputExists(f"{target} exists; nothing written (--overwrite replaces it)")
                write_output(args.out, target, data, overwrite=args.overwrite, umask=umask)
            except OutputExists as exc:
                failed += 1
                print(f"{item.name}: OUTPUT_EXISTS: {exc}", file=sys.stderr)
                continue
            except OSError as exc:  # a read-only folder, a full disk, --out naming a file
                failed += 1
                print(f"{item.name}: STORAGE_ERROR: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
                continue
            written.add(target)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        for line in outcome.trace:
            print(line, file=sys.stderr)
    return 1 if failed else 0
