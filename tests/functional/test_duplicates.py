"""Duplicates and dead letters: at-least-once delivery never runs a document twice, and an event
nobody could take waits in a dead-letter queue instead of vanishing."""

from __future__ import annotations

import json
import os
import threading
import time

import boto3
import pytest

from ocrflow.local.runner import LocalRunner
from ocrflow.local.statemachine import INPUT_BUCKET, REGION
from tests.functional.test_statemachine import pdf_of


@pytest.fixture
def runner():
    local = LocalRunner()
    local.machine
    yield local
    local.close()


def executions(runner: LocalRunner) -> list[dict]:
    return runner.machine.sfn.list_executions(stateMachineArn=runner.machine.arn)["executions"]


def answers(runner: LocalRunner, document_id: str) -> list[str]:
    return [e["detail-type"] for e in runner.machine.published() if e["detail"].get("document_id") == document_id
            and e["detail-type"] in ("OcrCompleted", "OcrFailed")]


def submit(runner: LocalRunner, key: str, lines: list[str], document_id: str = "dup-1", event_id=None):
    uri = runner.machine.upload(pdf_of([lines]), key)
    return runner.run_detail({"document_id": document_id, "document_uri": uri}, event_id)


def test_a_redelivered_event_starts_nothing_and_publishes_nothing(runner):
    first = submit(runner, "dups/a.pdf", ["Delivered twice"], event_id="event-1")
    again = runner.run_detail({"document_id": "dup-1", "document_uri": f"s3://{INPUT_BUCKET}/dups/a.pdf"}, "event-1")
    assert not first.duplicate and again.duplicate
    assert len(executions(runner)) == 1 and answers(runner, "dup-1") == ["OcrCompleted"]
    assert again.document == first.document, "the duplicate is answered with the first run's result"


def test_an_upstream_resend_of_the_same_content_is_a_duplicate(runner):
    submit(runner, "dups/b.pdf", ["Sent again by upstream"], document_id="dup-2")
    resend = runner.run_detail({"document_id": "dup-2", "document_uri": f"s3://{INPUT_BUCKET}/dups/b.pdf",
                                "priority": "high"})  # a new event id, an extra field: same document and content
    assert resend.duplicate and len(executions(runner)) == 1 and answers(runner, "dup-2") == ["OcrCompleted"]


def test_changed_content_under_the_same_id_runs_again(runner):
    first = submit(runner, "dups/c.pdf", ["First version"], document_id="dup-3")
    second = submit(runner, "dups/c.pdf", ["Second version"], document_id="dup-3")
    assert not second.duplicate and len(executions(runner)) == 2
    assert answers(runner, "dup-3") == ["OcrCompleted", "OcrCompleted"]
    assert [line.text for line in first.document.pages[0].lines] == ["First version"]
    assert [line.text for line in second.document.pages[0].lines] == ["Second version"]


def test_twins_arriving_together_start_one_execution(runner):
    uri = runner.machine.upload(pdf_of([["Arrived twice at once"]]), "dups/d.pdf")
    outcomes = [None, None]

    def deliver(index):
        outcomes[index] = runner.run_detail({"document_id": "dup-4", "document_uri": uri})

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(outcome.duplicate for outcome in outcomes) == [False, True]
    assert len(executions(runner)) == 1
    time.sleep(0.1)
    assert answers(runner, "dup-4") == ["OcrCompleted"]


def test_after_the_window_the_same_submission_runs_again(runner):
    submit(runner, "dups/e.pdf", ["Outlived its window"], document_id="dup-5")
    table = os.environ["OCRFLOW_IDEMPOTENCY_TABLE"]
    database = boto3.client("dynamodb", region_name=REGION)
    for item in database.scan(TableName=table)["Items"]:  # the window passes: the records expire
        database.update_item(TableName=table, Key={"id": item["id"]}, UpdateExpression="SET expiration = :past",
                             ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}})
    again = runner.run_detail({"document_id": "dup-5", "document_uri": f"s3://{INPUT_BUCKET}/dups/e.pdf"})
    assert not again.duplicate and len(executions(runner)) == 2


def test_an_event_the_starter_cannot_take_lands_in_the_dead_letter_queue(runner):
    def broken(event, context):
        raise RuntimeError("the starter's table is unreachable")

    runner.deliveries()["starter"].handler = broken
    outcome = runner.run_detail({"document_id": "dlq-1", "document_uri": f"s3://{INPUT_BUCKET}/dups/none.pdf"},
                                "event-dlq")
    assert outcome.error.code == "INTERNAL_ERROR" and "dead-letter" in outcome.error.message
    (message,) = runner.machine.sqs.receive_message(QueueUrl=runner.machine.dead_letters["start"],
                                                    MessageAttributeNames=["All"]).get("Messages", [])
    assert json.loads(message["Body"])["detail"]["document_id"] == "dlq-1"
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "RuntimeError" and attributes["RETRY_ATTEMPTS"] == "8"
    assert executions(runner) == []


def test_a_test_result_the_scorer_cannot_take_lands_in_its_dead_letter_queue(runner):
    runner.deliveries()["scorer"].handler = lambda event, context: 1 / 0
    uri = runner.machine.upload(pdf_of([["Scored never"]]), "dups/f.pdf")
    truth = runner.machine.upload(json.dumps({"annotations": {"texts": []}}).encode(), "dups/f.truth.json")
    outcome = runner.run_detail({"document_id": "dlq-2", "document_uri": uri, "test": {
        "ground_truth_uri": truth, "dataset": "d", "case_id": "f"}})
    assert [e["detail-type"] for e in outcome.events] == ["OcrCompleted"]  # the result itself was published
    (message,) = runner.machine.sqs.receive_message(QueueUrl=runner.machine.dead_letters["scorer"]).get(
        "Messages", [])
    assert json.loads(message["Body"])["detail-type"] == "OcrCompleted"
