"""``ocrflow report``: the summary and report of ``ocrflow eval``, built from the score objects the
scorer stored (in S3, or copied to a folder), filtered by data set, variant and time, so that a
test campaign run against a deployed stack is analysed with one command."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from pydantic import ValidationError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="s3://BUCKET/PREFIX (e.g. the work bucket's scores/) or a folder")
    parser.add_argument("--out", type=Path, required=True, help="writes DIR/summary.json and DIR/report.html")
    parser.add_argument("--dataset", action="append", default=[], help="only these data sets (repeatable)")
    parser.add_argument("--variant", help="only this variant (baseline: the runs without one)")
    parser.add_argument("--since", type=_time, help="only scores stored at or after (ISO 8601, UTC if no zone)")
    parser.add_argument("--until", type=_time, help="only scores stored before")
    parser.add_argument("--compare", type=Path, help="directory of another run to show deltas against")


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def score_objects(source: str, s3=None) -> Iterator[tuple[str, bytes, datetime]]:
    """(name, bytes, stored at) of every ``.json`` object under the source."""
    if source.startswith("s3://"):
        # boto3 only for an s3:// source
        import boto3

        from ..storage import parse_s3_uri

        bucket, prefix = parse_s3_uri(source) if "/" in source[5:] else (source[5:], "")
        client = s3 or boto3.client("s3")
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                if item["Key"].endswith(".json"):
                    body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                    yield f"s3://{bucket}/{item['Key']}", body, item["LastModified"]
        return
    for path in sorted(Path(source).rglob("*.json")):
        stored = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
        yield str(path), path.read_bytes(), stored


def collect(source: str, *, datasets: list[str] | None = None, variant: str | None = None,
            since: datetime | None = None, until: datetime | None = None, s3=None) -> tuple[list[dict], int]:
    """The scores that pass the filters, as ``ocrflow eval`` records, and how many objects were not scores.
    Each run of a case has its own score object; the newest run of each case within the filters counts."""
    # a command loads its machinery when it runs, not for `ocrflow --help`
    from ..schema.events import OcrTestScored

    newest: dict[tuple, tuple[datetime, dict]] = {}
    skipped = 0
    for _name, data, stored in score_objects(source, s3):
        try:
            scored = OcrTestScored.model_validate_json(data)
        except ValidationError:
            skipped += 1
            continue
        if datasets and scored.dataset not in datasets:
            continue
        if variant is not None and (scored.variant or "baseline") != variant:
            continue
        if (since and stored < since) or (until and stored >= until):
            continue
        case = (scored.dataset, scored.variant, scored.case_id)
        if case not in newest or stored >= newest[case][0]:
            newest[case] = (stored, json.loads(scored.model_dump_json()))
    return [record for _, record in newest.values()], skipped


def run(args: argparse.Namespace) -> int:
    # as above
    from ..evaluation.summary import summarise
    from .evaluate import print_totals, write_run

    records, skipped = collect(args.source, datasets=args.dataset, variant=args.variant,
                               since=args.since, until=args.until)
    if skipped:
        print(f"ocrflow report: {skipped} objects under {args.source} are not OcrTestScored; left out",
              file=sys.stderr)
    if not records:
        print(f"ocrflow report: no scores under {args.source} pass the filters", file=sys.stderr)
        return 1
    baseline = json.loads((args.compare / "summary.json").read_text()) if args.compare else None
    summary = summarise(records, args.variant)
    write_run(args.out, summary, records, baseline)
    print_totals(summary, baseline)
    print(f"wrote {args.out / 'summary.json'} and {args.out / 'report.html'} from {len(records)} scores")
    return 0
