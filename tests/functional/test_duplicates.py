"""Duplicates and dead letters: at-least-once delivery never runs a document twice, and a submission
or a result nobody could take waits in a dead-letter queue (or an on-failure destination) instead of
vanishing, each hop as AWS documents it (``ocrflow.schema.delivery``)."""

from __future__ import annotations

import json
import threading
import time

import boto3
import pytest

from ocrflow.local.faults import RuntimeCrash
from ocrflow.local.runner import LocalRunner
from ocrflow.local.statemachine import INPUT_BUCKET, REGION
from ocrflow.schema.delivery import ASYNC_INVOKE, SUBMISSIONS
from ocrflow.settings import StarterSettings
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


def test_after_the_window_the_same_submission_runs_again(runner, monkeypatch):
    from ocrflow.tasks import starter

    submit(runner, "dups/e.pdf", ["Outlived its window"], document_id="dup-5")
    table = StarterSettings().idempotency_table
    database = boto3.client("dynamodb", region_name=REGION)
    for item in database.scan(TableName=table)["Items"]:  # the window passes: the records expire
        database.update_item(TableName=table, Key={"id": item["id"]}, UpdateExpression="SET expiration = :past",
                             ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}})
    later = time.time() + 86_400  # and the resubmission is put on the bus a window later
    monkeypatch.setattr(starter, "submitted_at", lambda event: later)
    again = runner.run_detail({"document_id": "dup-5", "document_uri": f"s3://{INPUT_BUCKET}/dups/e.pdf"})
    assert not again.duplicate and len(executions(runner)) == 2


def test_a_starter_that_died_after_starting_finds_its_execution_on_the_retry(runner):
    """The invocation dies right after StartExecution, before its idempotency record is saved: SQS
    delivers the message again after its visibility timeout, the record's in-progress lock has expired
    with the invocation, and StartExecution answers ExecutionAlreadyExists for the same name: success,
    the same execution."""
    real = runner.context.store.client_for("stepfunctions")
    calls: list[str] = []

    class DiesOnce:
        def start_execution(self, **kwargs):
            calls.append(kwargs["name"])
            answer = real.start_execution(**kwargs)
            if len(calls) == 1:
                raise RuntimeCrash("killed after StartExecution")
            return answer

        def __getattr__(self, name):
            return getattr(real, name)

    runner.context.clients["stepfunctions"] = DiesOnce()
    try:
        outcome = submit(runner, "dups/g.pdf", ["Started before the crash"], document_id="dup-7")
    finally:
        del runner.context.clients["stepfunctions"]
    assert outcome.error is None and len(calls) == 2 and calls[0] == calls[1]
    assert len(executions(runner)) == 1 and answers(runner, "dup-7") == ["OcrCompleted"]


def test_a_redelivered_test_result_is_scored_once(runner):
    """The scorer's rule delivers at least once: the second delivery of the same result gets the stored
    score and publishes no second OcrTestScored."""
    uri = runner.machine.upload(pdf_of([["Scored once"]]), "dups/s.pdf")
    truth = runner.machine.upload(json.dumps({"annotations": {"texts": []}}).encode(), "dups/s.truth.json")
    runner.run_detail({"document_id": "score-1", "document_uri": uri, "test": {
        "ground_truth_uri": truth, "dataset": "d", "case_id": "s"}})
    result = next(e for e in runner.machine.published() if e["detail"].get("document_id") == "score-1"
                  and e["detail-type"] == "OcrCompleted")
    assert runner.front_door.score(result)  # delivered again
    scores = [e for e in runner.machine.published() if e["detail-type"] == "OcrTestScored"
              and e["detail"]["document_id"] == "score-1"]
    execution = next(r for r in result["resources"] if ":execution:" in r).rsplit(":", 1)[1]
    assert len(scores) == 1
    assert scores[0]["detail"]["score_uri"].endswith(f"/scores/d/default/s/{execution}.json")


def parked_submissions(runner) -> list[dict]:
    return runner.machine.parked()["submissions"]


def test_a_submission_the_starter_cannot_take_is_parked_and_redriven_once_repaired(runner):
    """A starter failing every time: the message is received max_receive_count times, then SQS moves
    it to the submissions dead-letter queue; after the repair, StartMessageMoveTask (the operator's
    redrive) sends it back and the document completes once."""
    source, real = runner.front_door.source, runner.front_door.source.handler
    attempts = []

    def broken(event, context):
        attempts.append(event["Records"][0]["attributes"]["ApproximateReceiveCount"])
        raise RuntimeError("the starter's table is unreachable")

    source.handler = broken
    uri = runner.machine.upload(pdf_of([["Parked then redriven"]]), "dups/h.pdf")
    outcome = runner.run_detail({"document_id": "dlq-1", "document_uri": uri})
    assert outcome.error.code == "INTERNAL_ERROR" and "ocrflow-submissions-dlq" in outcome.error.message
    assert attempts == [str(n) for n in range(1, SUBMISSIONS.max_receive_count + 1)]
    deadline = time.monotonic() + 10
    while not parked_submissions(runner) and time.monotonic() < deadline:  # moved at its next receive
        time.sleep(0.1)
    (message,) = parked_submissions(runner)
    assert json.loads(message["Body"])["detail"]["document_id"] == "dlq-1"
    assert executions(runner) == [] and answers(runner, "dlq-1") == []

    source.handler = real  # repaired; the operator redrives the dead-letter queue
    machine = runner.machine
    machine.sqs.start_message_move_task(SourceArn=machine.queue_arn(machine.submissions_dead_letters))
    source.notify()
    deadline = time.monotonic() + 60
    while answers(runner, "dlq-1") == [] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answers(runner, "dlq-1") == ["OcrCompleted"] and len(executions(runner)) == 1
    assert parked_submissions(runner) == []


def test_only_the_failed_messages_of_a_batch_return_to_the_queue(runner):
    """ReportBatchItemFailures: the mapping deletes the messages the starter did not list."""
    source, real = runner.front_door.source, runner.front_door.source.handler
    seen: list[str] = []

    batches: list[int] = []

    def fails_one(event, context):
        batches.append(len(event["Records"]))
        report = real(event, context)
        for record in event["Records"]:
            seen.append(json.loads(record["body"])["detail"]["document_id"])
            if json.loads(record["body"])["detail"]["document_id"] == "batch-bad" and seen.count("batch-bad") == 1:
                report["batchItemFailures"].append({"itemIdentifier": record["messageId"]})
        return report

    source.handler = fails_one
    uri = runner.machine.upload(pdf_of([["In a batch"]]), "dups/i.pdf")
    for _ in range(source.max_concurrency):  # hold the pollers until both messages wait in the queue
        source.slots.acquire()
    outcomes = {}
    threads = [threading.Thread(target=lambda d=d: outcomes.update({d: runner.run_detail(
        {"document_id": d, "document_uri": uri})})) for d in ("batch-ok", "batch-bad")]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while source.in_flight() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    for _ in range(source.max_concurrency):
        source.slots.release()
    for thread in threads:
        thread.join(60)
    assert [outcomes[d].error for d in ("batch-ok", "batch-bad")] == [None, None]
    assert batches[0] == 2 and sorted(seen[:2]) == ["batch-bad", "batch-ok"], "both arrived in one batch"
    assert seen.count("batch-ok") == 1 and seen.count("batch-bad") == 2


def test_a_delivery_sqs_refuses_lands_in_the_rules_dead_letter_queue(runner):
    """EventBridge retries only a delivery the target's service refused, then writes it to the rule's
    dead-letter queue with the error attributes."""
    door = runner.front_door

    def refused(event):
        raise ConnectionError("the submissions queue is unreachable")

    door.submitted.deliver = refused
    outcome = runner.run_detail({"document_id": "dlq-3", "document_uri": f"s3://{INPUT_BUCKET}/dups/none.pdf"})
    assert "ocrflow-start-failures" in outcome.error.message
    (message,) = runner.machine.parked()["start-rule"]
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "ConnectionError" and int(attributes["RETRY_ATTEMPTS"]) >= 1
    assert json.loads(message["Body"])["detail"]["document_id"] == "dlq-3"


def test_a_test_result_the_scorer_cannot_take_goes_to_its_on_failure_destination(runner):
    """The scorer is invoked asynchronously: Lambda runs it three times (two retries), then sends the
    invocation record to the on-failure destination; the result event itself was published."""
    calls = []

    def broken(event, context):
        calls.append(event["id"])
        raise ZeroDivisionError("division by zero")

    runner.front_door.scorer.handler = broken
    uri = runner.machine.upload(pdf_of([["Scored never"]]), "dups/f.pdf")
    truth = runner.machine.upload(json.dumps({"annotations": {"texts": []}}).encode(), "dups/f.truth.json")
    outcome = runner.run_detail({"document_id": "dlq-2", "document_uri": uri, "test": {
        "ground_truth_uri": truth, "dataset": "d", "case_id": "f"}})
    assert [e["detail-type"] for e in outcome.events] == ["OcrCompleted"]
    assert len(calls) == 1 + ASYNC_INVOKE.retry_attempts and len(set(calls)) == 1
    (message,) = runner.machine.parked()["scorer-on-failure"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"]["detail-type"] == "OcrCompleted"
    assert record["responsePayload"]["errorType"] == "ZeroDivisionError"
    assert runner.machine.parked()["scorer-rule"] == []  # Lambda took the event: not a delivery failure
