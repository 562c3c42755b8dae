"""``ocrflow submit``: a real DocumentSubmitted on a real bus, as an upstream service sends it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("document", help="a local file (uploaded to --bucket first) or an s3:// URI")
    parser.add_argument("--bus", required=True, help="event bus name or ARN")
    parser.add_argument("--bucket", help="bucket to upload a local file to")
    parser.add_argument("--document-id", help="defaults to a hash of the content or URI")
    parser.add_argument("--source", default="ocrflow.cli", help="EventBridge source (upstream's own)")
    parser.add_argument("--test", action="store_true", help="send as a test event, scored afterwards")
    parser.add_argument("--ground-truth", help="s3:// URI of the ground truth")
    parser.add_argument("--dataset")
    parser.add_argument("--case-id")
    parser.add_argument("--variant")


def run(args: argparse.Namespace) -> int:
    # boto3 loads when the command runs, not for `ocrflow --help`
    from ..submit import submit

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
