"""The production state machine, deployed into moto and executed in process.

Everything AWS would provide is moto: S3 buckets, the EventBridge bus (with a
rule that copies ocrflow's events to an SQS queue so they can be read back) and
Step Functions, whose interpreter executes the real ASL file. Lambda tasks are
dispatched to the real handlers by ``lambda_dispatch``.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
ASL_PATH = REPO / "statemachine" / "ocrflow.asl.json"
PATTERNS = REPO / "events" / "patterns"
REGION = "us-east-1"
ACCOUNT = "123456789012"
INPUT_BUCKET = "ocrflow-input"
WORK_BUCKET = "ocrflow-work"
EVENT_BUS = "ocrflow"
RESULTS_QUEUE = "ocrflow-local-events"
FUNCTIONS = {
    "IngestFunctionArn": "ocrflow-ingest",
    "RotationFunctionArn": "ocrflow-rotation",
    "RegionsFunctionArn": "ocrflow-regions",
    "TextDetectionFunctionArn": "ocrflow-text-detection",
    "RecognitionFunctionArn": "ocrflow-recognition",
    "ValidationFunctionArn": "ocrflow-validation",
}
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def fill_substitutions(definition: str, values: dict[str, str]) -> str:
    """Replace ``${Name}`` as CloudFormation's DefinitionSubstitutions do; unknown names fail."""
    missing = sorted(set(PLACEHOLDER.findall(definition)) - set(values))
    if missing:
        raise KeyError(f"no substitution for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], definition)


def substitutions() -> dict[str, str]:
    values = {key: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}" for key, name in FUNCTIONS.items()}
    values["EventBusName"] = EVENT_BUS
    values["WorkBucketName"] = WORK_BUCKET
    return values


def local_environment() -> None:
    """Credentials and switches so nothing can reach a real AWS account or print to stdout."""
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION}.items():
        os.environ[key] = value
    os.environ.pop("AWS_PROFILE", None)
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("OCRFLOW_EVENT_BUS_NAME", EVENT_BUS)
    os.environ.setdefault("OCRFLOW_SCORES_BUCKET", WORK_BUCKET)


def cache_asl_parsing() -> None:
    """moto parses the ASL with ANTLR at every execution (40 ms for ours); the parsed program
    is stateless (a Map runs its iterations on one tree at once), so it is parsed once."""
    from moto.stepfunctions.parser.asl.parse import asl_parser

    parser = asl_parser.AmazonStateLanguageParser
    if getattr(parser.parse, "cached", False):
        return
    cache: dict[str, object] = {}
    original = parser.parse

    def parse(definition: str, *args, **kwargs):
        if args or kwargs:
            return original(definition, *args, **kwargs)
        if definition not in cache:
            cache[definition] = original(definition)
        return cache[definition]

    parse.cached = True  # type: ignore[attr-defined]
    parser.parse = staticmethod(parse)


class LocalStateMachine:
    """Deploys once per process; ``execute`` runs one event through to the end."""

    def __init__(self) -> None:
        local_environment()
        import boto3
        from moto import mock_aws

        cache_asl_parsing()
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        self.s3 = boto3.client("s3", region_name=REGION)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.events = boto3.client("events", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        for bucket in (INPUT_BUCKET, WORK_BUCKET):
            self.s3.create_bucket(Bucket=bucket)
        self.events.create_event_bus(Name=EVENT_BUS)
        self.queue_url = self._rule_to_queue("ocrflow-local-results", {"source": ["ocrflow"]})
        # The scorer's rule uses the pattern file the CDK app deploys; here it feeds a queue
        # that the runner drains into the scorer handler, as EventBridge would invoke it.
        self.scorer_queue_url = self._rule_to_queue(
            "ocrflow-scorer", json.loads((PATTERNS / "scorer.json").read_text()))
        definition = fill_substitutions(ASL_PATH.read_text(), substitutions())
        self.arn = self.sfn.create_state_machine(
            name="ocrflow", definition=definition, type="STANDARD",
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/ocrflow-state-machine")["stateMachineArn"]
        self._received: list[dict] = []

    def _rule_to_queue(self, name: str, pattern: dict) -> str:
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.events.put_rule(Name=name, EventBusName=EVENT_BUS, EventPattern=json.dumps(pattern))
        self.events.put_targets(Rule=name, EventBusName=EVENT_BUS, Targets=[{"Id": "queue", "Arn": arn}])
        return url

    def drain(self, queue_url: str) -> list[dict]:
        out = []
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

    def execute(self, detail: dict, timeout: float = 3600.0) -> dict:
        """Start an execution for a DocumentSubmitted detail and wait for it to end."""
        envelope = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "DocumentSubmitted",
            "source": "local.upstream", "account": ACCOUNT, "region": REGION, "resources": [],
            "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "detail": detail,
        }
        arn = self.sfn.start_execution(stateMachineArn=self.arn, name=str(uuid.uuid4()),
                                       input=json.dumps(envelope))["executionArn"]
        deadline = time.monotonic() + timeout
        while self._running(arn):
            if time.monotonic() > deadline:
                self.sfn.stop_execution(executionArn=arn, error="LocalTimeout")
                raise TimeoutError(f"execution {arn} still running after {timeout} s")
            time.sleep(0.005)
        return self.sfn.describe_execution(executionArn=arn)

    def _running(self, execution_arn: str) -> bool:
        """Read the status from moto's record: a DescribeExecution API call per poll costs
        enough Python to slow down, through the GIL, the handlers being waited for."""
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        execution = stepfunctions_parser_backends[ACCOUNT][REGION].describe_execution(execution_arn)
        return str(getattr(execution.exec_status, "value", execution.exec_status)) == "RUNNING"

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

    def forget(self, execution_arn: str) -> None:
        """Drop a finished execution from moto's state machine record.

        moto 5.2 deep-copies the state machine, past executions included, at every
        StartExecution, and a finished execution holds a lock that cannot be
        copied: without this, the second execution of a process fails.
        """
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        machine = stepfunctions_parser_backends[ACCOUNT][REGION].describe_state_machine(self.arn)
        machine.executions[:] = [e for e in machine.executions if e.exec_arn != execution_arn]

    @property
    def received(self) -> int:
        return len(self._received)

    def published(self) -> list[dict]:
        """Every event ocrflow has put on the bus so far (EventBridge envelopes)."""
        self._received += self.drain(self.queue_url)
        return list(self._received)

    def get_object(self, uri: str) -> bytes:
        bucket, key = uri[len("s3://"):].split("/", 1)
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
