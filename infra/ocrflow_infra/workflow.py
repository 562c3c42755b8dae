"""The state machine (the definition ``ocrflow.orchestration.asl`` builds, as the local
run executes it) and the rules that bring DocumentSubmitted events to the starter."""

from __future__ import annotations

import json

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ocrflow.orchestration import asl
from ocrflow.orchestration.backends import Backends
from ocrflow.schema.patterns import TARGET_RETRIES

from . import REPO
from .functions import retention
from .nag import acknowledge


def secure_queue(scope: Construct, id: str, *, dead_letter_reason: str, **kwargs) -> sqs.Queue:
    """An encrypted, SSL-only queue; ``dead_letter_reason`` says why it has no DLQ of its own."""
    queue = sqs.Queue(scope, id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                      retention_period=Duration.days(14), **kwargs)
    acknowledge(queue, "AwsSolutions-SQS3", dead_letter_reason)
    return queue


class Workflow(Construct):
    def __init__(self, scope: Construct, id: str, *, bus: events.IEventBus,
                 functions: dict[str, lambda_.IFunction], work_bucket: s3.IBucket,
                 input_bucket: s3.IBucket, s3_trigger: bool, log_retention_days: int,
                 starter: lambda_.IFunction, backends: Backends | None = None,
                 endpoint_names: dict[str, str] | None = None, shadow: bool = False) -> None:
        super().__init__(scope, id)
        self.definition = asl.build(backends, shadow=shadow)
        invoked = asl.functions_invoked(backends)
        substitutions = {f.substitution: functions[f.name].function_arn for f in invoked}
        substitutions.update(endpoint_names or {})
        substitutions.update(EventBusName=bus.event_bus_name, WorkBucketName=work_bucket.bucket_name)
        self.log_group = logs.LogGroup(self, "ExecutionLogs", retention=retention(log_retention_days))
        # A shadow run is started by the state machine itself: its own ARN in its role's policy would be a
        # dependency cycle, so the name is fixed and the ARN built from it.
        name = f"{Stack.of(self).stack_name}-documents" if shadow else None
        self.state_machine = sfn.StateMachine(
            self, "StateMachine", state_machine_name=name,
            definition_body=sfn.DefinitionBody.from_string(json.dumps(self.definition)),
            definition_substitutions=substitutions,
            state_machine_type=sfn.StateMachineType.STANDARD,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL,
                                include_execution_data=False),
        )
        if shadow:
            self.state_machine.add_to_role_policy(iam.PolicyStatement(
                actions=["states:StartExecution"],
                resources=[Stack.of(self).format_arn(service="states", resource="stateMachine", resource_name=name,
                                                     arn_format=ArnFormat.COLON_RESOURCE_NAME)]))
        for function in invoked:
            functions[function.name].grant_invoke(self.state_machine)
        bus.grant_put_events_to(self.state_machine)

        self.dead_letters = secure_queue(
            self, "StartFailures", dead_letter_reason="It is the dead-letter queue of the start rule.")
        submitted = load_pattern("submitted")
        self.rule = events.Rule(
            self, "DocumentSubmitted", event_bus=bus,
            description="Every DocumentSubmitted goes to the starter: one execution per document and content",
            event_pattern=events.EventPattern(detail_type=submitted["detail-type"]),
            targets=[targets.LambdaFunction(
                starter, dead_letter_queue=self.dead_letters, retry_attempts=TARGET_RETRIES["starter"],
                max_event_age=Duration.hours(2))],
        )
        if s3_trigger:
            # Uploads to the input bucket become DocumentSubmitted-shaped events for the starter; the
            # input transformer maps S3's event to the contract, so everything after it is unchanged.
            events.Rule(
                self, "InputUploaded",
                description="Submit every object created in the input bucket",
                event_pattern=events.EventPattern(source=["aws.s3"], detail_type=["Object Created"],
                                                  detail={"bucket": {"name": [input_bucket.bucket_name]}}),
                targets=[targets.LambdaFunction(
                    starter, dead_letter_queue=self.dead_letters, retry_attempts=TARGET_RETRIES["starter"],
                    event=events.RuleTargetInput.from_object({
                        "id": events.EventField.event_id,
                        "detail": {
                            "schema_version": "1.0",
                            "document_id": events.EventField.from_path("$.detail.object.etag"),
                            "document_uri": "s3://" + input_bucket.bucket_name + "/"
                            + events.EventField.from_path("$.detail.object.key"),
                        }}))],
            )


def load_pattern(name: str) -> dict:
    return json.loads((REPO / "events" / "patterns" / f"{name}.json").read_text())
