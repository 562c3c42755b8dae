"""The production state machine, deployed into moto and executed in process.

Everything AWS would provide is moto: S3 buckets, the EventBridge bus (with a
rule that copies ocrflow's events to an SQS queue so they can be read back) and
Step Functions, whose interpreter executes the definition ``orchestration.asl``
builds, exactly as the CDK app deploys it. Lambda tasks are dispatched to the
real task code by ``dispatch``.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Callable

from ..orchestration import asl
from ..orchestration.backends import Backends
from ..schema.delivery import SUBMISSIONS
from ..schema.patterns import PATTERNS
from ..schema.payloads import RunOptions, execution_input
from ..settings import StarterSettings
from ..variants import variants
from . import moto_shims
from .timing import VISIBILITY_TIMEOUT_SECONDS

REGION = "us-east-1"
ACCOUNT = "123456789012"
INPUT_BUCKET = "ocrflow-input"
WORK_BUCKET = "ocrflow-work"
EVENT_BUS = "ocrflow"
EXPRESS_NAME = "ocrflow-express"
STANDARD_NAME = "ocrflow"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def substitutions(backends: Backends | None = None, shadow: bool = False) -> dict[str, str]:
    """What CloudFormation's DefinitionSubstitutions fill in AWS, for the local stack."""
    backends = backends or Backends()
    values = {f.substitution: function_arn(f.local_name) for f in asl.functions_invoked(backends)}
    for endpoint in backends.endpoints:
        values[endpoint.substitution] = endpoint_name(endpoint)
    values["EventBusName"] = EVENT_BUS
    values["WorkBucketName"] = WORK_BUCKET
    if asl.express_capable(backends):
        values["ExpressStateMachineArn"] = state_machine_arn(EXPRESS_NAME)
    if shadow:
        values["StandardStateMachineArn"] = state_machine_arn(STANDARD_NAME)
    return values


def endpoint_name(endpoint) -> str:
    """The local name of a step's endpoint (``orchestration.backends.Step``)."""
    return f"ocrflow-{endpoint.key.replace('_', '-')}"


def state_machine_arn(name: str) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"


def local_environment() -> None:
    """Credentials and switches so nothing can reach a real AWS account or print to stdout."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        os.environ[key] = value
    os.environ.pop("AWS_PROFILE", None)
    for key in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:  # a shell set up as a client of
        del os.environ[key]  # `ocrflow serve --api textract`: moto's mock answers only AWS's own endpoints
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")


def create_table(name: str, key: str) -> None:
    # boto3 and moto load when the local stack deploys, not when this module is imported
    import boto3

    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}])


class LocalStateMachine:
    """Deploys once per process; ``execute`` runs one event through to the end."""

    def __init__(self, backends: Backends | None = None, express_max_pages: int | None = None) -> None:
        local_environment()
        moto_shims.apply()
        moto_shims.forget_executions()
        # as in create_table: loaded with the stack
        import boto3
        from moto import mock_aws

        self.backends = backends or Backends()
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        self.s3 = boto3.client("s3", region_name=REGION)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.events = boto3.client("events", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        for bucket in (INPUT_BUCKET, WORK_BUCKET):
            self.s3.create_bucket(Bucket=bucket)
        self.events.create_event_bus(Name=EVENT_BUS)
        self.queue_url = self.rule_to_queue("ocrflow-local-results", {"source": ["ocrflow"]})
        # The scorer's rule uses the pattern the CDK app deploys; here it feeds a queue that the
        # runner drains into the scorer, as EventBridge would invoke it.
        self.scorer_queue_url = self.rule_to_queue("ocrflow-scorer", PATTERNS["scorer"])
        # The rules' dead-letter queues (deliveries the target refused), as the CDK app gives the
        # submissions and scorer rules; the submissions queue with its own dead-letter queue; the
        # on-failure destinations of the asynchronously invoked functions.
        self.dead_letters = {name: self.sqs.create_queue(QueueName=f"ocrflow-{name}-failures")["QueueUrl"]
                             for name in ("start", "scorer")}
        self.submissions_dead_letters = self.sqs.create_queue(QueueName="ocrflow-submissions-dlq")["QueueUrl"]
        self.submissions = self.sqs.create_queue(QueueName="ocrflow-submissions", Attributes={
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS), "RedrivePolicy": json.dumps({
                "deadLetterTargetArn": self.queue_arn(self.submissions_dead_letters),
                "maxReceiveCount": str(SUBMISSIONS.max_receive_count)})})["QueueUrl"]
        self.failure_destinations = {
            name: self.sqs.create_queue(QueueName=f"ocrflow-{name}-async-failures")["QueueUrl"]
            for name in ("scorer", "completer")}
        # The endpoint topics' subscription dead-letter queue: notifications SNS could not hand to Lambda.
        self.subscription_dead_letters = self.sqs.create_queue(QueueName="ocrflow-completer-failures")["QueueUrl"]
        create_table(StarterSettings().idempotency_table, "id")  # the task-token table is made by its backend's emulator
        shadow = variants().shadow.enabled
        values = substitutions(self.backends, shadow)
        express = asl.build_express(self.backends, shadow=shadow, max_pages=express_max_pages or asl.EXPRESS_MAX_PAGES)
        self.express_arn = None if express is None else self.create("EXPRESS", EXPRESS_NAME, asl.fill(express, values))
        self.definition = asl.fill(asl.build(self.backends, shadow=shadow), values)
        self.arn = self.create("STANDARD", STANDARD_NAME, self.definition)
        if self.arn != StarterSettings().state_machine_arn:  # the one the starter starts
            raise RuntimeError(f"OCRFLOW_STATE_MACHINE_ARN names {StarterSettings().state_machine_arn}, "
                               f"not the local {self.arn}: unset it for a local run")
        self._received: list[dict] = []
        self._lock = threading.Lock()
        self._waiting_scores: dict[str, list[dict]] = {}

    def create(self, kind: str, name: str, definition: str) -> str:
        return self.sfn.create_state_machine(name=name, definition=definition, type=kind,
                                             roleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}")["stateMachineArn"]

    def express_history(self, execution_arn: str) -> list[dict] | None:
        """The history of the Express execution a Standard one ran the document in (it has the same
        name); None when none ran. AWS keeps no history of Express executions: this is local only."""
        if self.express_arn is None:
            return None
        name = execution_arn.rsplit(":", 1)[1]
        try:
            return self.history(f"{self.express_arn.replace(':stateMachine:', ':execution:')}:{name}")
        except self.sfn.exceptions.ExecutionDoesNotExist:
            return None

    def queue_arn(self, url: str) -> str:
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def parked(self) -> dict[str, list[dict]]:
        """Every dead-letter queue and on-failure destination, with what waits in it."""
        queues = {"submissions": self.submissions_dead_letters,
                  **{f"{name}-rule": url for name, url in self.dead_letters.items()},
                  **{f"{name}-on-failure": url for name, url in self.failure_destinations.items()},
                  "completer-subscription": self.subscription_dead_letters}
        return {name: self.peek(url) for name, url in queues.items()}

    def peek(self, url: str) -> list[dict]:
        """Every message of a queue, left in it: received (hidden) until none is left, then made
        visible again."""
        taken: list[dict] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                                MessageAttributeNames=["All"]).get("Messages", [])
            if not messages:
                break
            taken += messages
        for start in range(0, len(taken), 10):
            self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(taken[start:start + 10])])
        return taken

    def rule_to_queue(self, name: str, pattern: dict) -> str:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.queue_arn(url)
        self.events.put_rule(Name=name, EventBusName=EVENT_BUS, EventPattern=json.dumps(pattern))
        self.events.put_targets(Rule=name, EventBusName=EVENT_BUS, Targets=[{"Id": "queue", "Arn": arn}])
        return url

    def drain(self, queue_url: str) -> list[dict]:
        out: list[dict] = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return out
            for message in messages:
                out.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])

    def close(self) -> None:
        self._mock.stop()

    def upload(self, data: bytes, key: str) -> str:
        self.s3.put_object(Bucket=INPUT_BUCKET, Key=key, Body=data)
        return f"s3://{INPUT_BUCKET}/{key}"

    @staticmethod
    def envelope(detail, event_id: str | None = None) -> dict:
        """The EventBridge event an upstream service's DocumentSubmitted arrives as."""
        return {"version": "0", "id": event_id or str(uuid.uuid4()), "detail-type": "DocumentSubmitted",
                "source": "local.upstream", "account": ACCOUNT, "region": REGION, "resources": [],
                "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "detail": detail}

    def start(self, detail: dict, name: str | None = None) -> str:
        """An execution as the starter starts it, without the starter (no duplicate check)."""
        event = self.envelope(detail)
        return self.sfn.start_execution(stateMachineArn=self.arn, name=name or str(uuid.uuid4()),
                                        input=json.dumps(execution_input(event["id"], detail, RunOptions()))
                                        )["executionArn"]

    def wait(self, execution_arn: str, timeout: float = 3600.0,
             broken: Callable[[], str | None] = lambda: None) -> dict:
        """Block until the execution ends (signalled, not polled) and describe it. ``broken`` names a
        local fault that will keep it waiting forever (a completer that failed): it is stopped."""
        finished, deadline = moto_shims.finished(execution_arn), time.monotonic() + timeout
        while not finished.wait(0.5):
            reason = broken()
            if reason or time.monotonic() > deadline:
                self.sfn.stop_execution(executionArn=execution_arn, error="LocalFault",
                                        cause=reason or f"still running after {timeout} s")
                finished.wait(10)
                break
        return self.sfn.describe_execution(executionArn=execution_arn)

    def execute(self, detail: dict, timeout: float = 3600.0, broken: Callable[[], str | None] = lambda: None) -> dict:
        """Start an execution for a DocumentSubmitted detail and wait for it to end."""
        return self.wait(self.start(detail), timeout, broken)

    def history(self, execution_arn: str) -> list[dict]:
        events, token = [], None
        while True:
            kwargs = {"executionArn": execution_arn, "maxResults": 1000}
            if token:
                kwargs["nextToken"] = token
            page = self.sfn.get_execution_history(**kwargs)
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                return events

    @property
    def received(self) -> int:
        with self._lock:
            return len(self._received)

    def published(self) -> list[dict]:
        """Every event ocrflow has put on the bus so far (EventBridge envelopes)."""
        with self._lock:
            self._received += self.drain(self.queue_url)
            return list(self._received)

    def scorer_events(self, document_id: str) -> list[dict]:
        """What the scorer rule delivered for one document; another document's events (a
        concurrent run) wait for their own runner."""
        with self._lock:
            for event in self.drain(self.scorer_queue_url):
                self._waiting_scores.setdefault(event["detail"].get("document_id", ""), []).append(event)
            return self._waiting_scores.pop(document_id, [])

    def get_object(self, uri: str) -> bytes:
        bucket, key = uri[len("s3://"):].split("/", 1)
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
