"""``ocrflow chaos``: the delivery guarantees under seeded faults (``ocrflow.local.chaos``)."""

from __future__ import annotations

import argparse
import logging
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--documents", type=int, default=500, help="how many documents (default 500)")
    parser.add_argument("--seed", type=int, default=7, help="the faults and documents are drawn from it")
    parser.add_argument("--rate", type=float, default=0.03, help="chance of each fault at each opportunity")
    parser.add_argument("-j", "--jobs", type=int, default=4, help="documents submitted at once")
    parser.add_argument("--stage-backend", action="append", metavar="STAGE=BACKEND",
                        help="e.g. fused=sagemaker_async: the endpoint path, with its own faults")


def run(args: argparse.Namespace) -> int:
    # a command loads its machinery when it runs, not for `ocrflow --help`
    from .. import __version__
    from ..local.chaos import ChaosRun
    from ..orchestration.backends import Backends

    logging.getLogger("ocrflow").setLevel(logging.ERROR)  # the injected faults are expected
    try:
        backends = Backends.parse(args.stage_backend)
    except ValueError as exc:
        print(f"ocrflow chaos: --stage-backend: {exc}", file=sys.stderr)
        return 2
    chaos = ChaosRun(documents=args.documents, seed=args.seed, rate=args.rate, jobs=args.jobs, backends=backends)
    try:
        ledger = chaos.run()
    finally:
        chaos.close()
    print(f"ocrflow {__version__} chaos: {args.documents} documents, seed {args.seed}, fault rate {args.rate}"
          + (f", {', '.join(args.stage_backend)}" if args.stage_backend else ""))
    print(ledger.table())
    broken = ledger.more_than_one_outcome or ledger.lost
    if broken:
        print(f"ocrflow chaos: invariant broken for {', '.join(broken[:10])}", file=sys.stderr)
    return 1 if broken else 0
