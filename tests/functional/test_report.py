"""``ocrflow report`` from the score objects the scorer stored: the same summary as the
``ocrflow eval`` run that produced them, filtered by data set, variant and time."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from ocrflow.cli import main
from ocrflow.cli.report import collect
from ocrflow.evaluation.summary import summarise
from ocrflow.local.campaign import run_campaign
from ocrflow.local.statemachine import WORK_BUCKET

from .test_eval import PAGES, manifest  # noqa: F401 - the rendered manifest fixture


def comparable(summary: dict) -> dict:
    """Everything but the stored locations, which only a local run knows."""
    return {"variant": summary["variant"], "datasets": summary["datasets"],
            "documents": sorted(summary["documents"], key=lambda d: d["case_id"])}


@pytest.fixture(scope="module")
def campaign(manifest):  # noqa: F811
    from ocrflow.local.runner import LocalRunner

    runner = LocalRunner()
    runs = run_campaign([manifest], variants=[None, "pp-ocrv4-rec"], runner=runner)
    yield runner, runs
    runner.close()


def test_report_from_s3_reproduces_the_eval_summary(campaign):
    runner, runs = campaign
    s3 = runner.machine.s3
    for variant, records in runs.items():
        found, skipped = collect(f"s3://{WORK_BUCKET}/scores/", variant=variant or "baseline", s3=s3)
        assert skipped == 0 and len(found) == len(PAGES)
        label = variant or "baseline"
        assert comparable(summarise(found, label)) == comparable(summarise(records, label))
    assert collect(f"s3://{WORK_BUCKET}/scores/", datasets=["elsewhere"], s3=s3)[0] == []
    later = datetime.now(timezone.utc) + timedelta(minutes=5)
    assert collect(f"s3://{WORK_BUCKET}/scores/", since=later, s3=s3)[0] == []
    assert len(collect(f"s3://{WORK_BUCKET}/scores/", until=later, s3=s3)[0]) == 2 * len(PAGES)


def test_report_command_on_a_folder_of_score_objects(campaign, tmp_path):
    runner, runs = campaign
    s3 = runner.machine.s3
    folder = tmp_path / "scores"
    for item in s3.list_objects_v2(Bucket=WORK_BUCKET, Prefix="scores/")["Contents"]:
        target = folder / item["Key"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(s3.get_object(Bucket=WORK_BUCKET, Key=item["Key"])["Body"].read())
    (folder / "not-a-score.json").write_text("{}")
    assert main(["report", str(folder), "--out", str(tmp_path / "out"), "--variant", "pp-ocrv4-rec"]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert comparable(summary) == comparable(summarise(runs["pp-ocrv4-rec"], "pp-ocrv4-rec"))
    assert "alphanumeric word F1" in (tmp_path / "out" / "report.html").read_text()
    assert main(["report", str(folder), "--out", str(tmp_path / "none"), "--dataset", "elsewhere"]) == 1
