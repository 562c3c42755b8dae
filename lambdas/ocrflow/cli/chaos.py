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


def run(args: argparse.Namespace) -> int:
    from .. import __version__
    from ..local.chaos import ChaosRun

    logging.getLogger("ocrflow").setLevel(logging.ERROR)  # the injected faults are expected
    chaos = ChaosRun(documents=args.documents, seed=args.seed, rate=args.rate, jobs=args.jobs)
    try:
        ledger = chaos.run()
    finally:
        chaos.close()
    print(f"ocrflow {__version__} chaos: {args.documents} documents, seed {args.seed}, fault rate {args.rate}")
    print(ledger.table())
    broken = ledger.more_than_one_outcome or ledger.lost
    if broken:
        print(f"ocrflow chaos: invariant broken for {', '.join(broken[:10])}", file=sys.stderr)
    return 1 if broken else 0
