"""The stack: builds each component and does every grant, least privilege, no wildcard actions."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ocrflow.registry import PAGE_STAGES, PIPELINE_FUNCTIONS

from .bus import EventContract
from .config import StackConfig
from .functions import StageFunctions
from .monitoring import Monitoring
from .nag import BASIC_EXECUTION, acknowledge, acknowledge_resources, arn_token
from .storage import RESULTS_PREFIX, SCORES_PREFIX, WORK_PREFIX, Storage
from .workflow import Workflow


def allow(function, actions: list[str], bucket: s3.IBucket, prefix: str = "") -> None:
    """Object actions on one prefix of one bucket, acknowledged to cdk-nag with the reason."""
    function.add_to_role_policy(iam.PolicyStatement(actions=actions,
                                                    resources=[bucket.arn_for_objects(f"{prefix}*")]))
    acknowledge_resources(function, [f"{bucket_token(bucket)}/{prefix}*"],
                          f"Object keys are per document; access is limited to {prefix or 'the bucket'}.")


def bucket_token(bucket: s3.IBucket) -> str:
    return arn_token(bucket) if bucket.node.default_child is not None else bucket.bucket_arn


class OcrflowStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StackConfig, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        storage = Storage(self, "Storage", input_bucket_name=config.input_bucket_name,
                          work_retention_days=config.work_retention_days, s3_trigger=config.s3_trigger)
        contract = EventContract(self, "Events", bus_name=config.bus_name)
        functions = StageFunctions(
            self, "Functions", config=config, log_retention_days=config.log_retention_days,
            environment={"OCRFLOW_MAX_CONCURRENCY": str(config.max_concurrency),
                         "OCRFLOW_EVENT_BUS_NAME": config.bus_name,
                         "OCRFLOW_SCORES_BUCKET": storage.work_bucket.bucket_name}).functions
        workflow = Workflow(self, "Workflow", bus=contract.bus, functions=functions,
                            work_bucket=storage.work_bucket, input_bucket=storage.input_bucket,
                            s3_trigger=config.s3_trigger, log_retention_days=config.log_retention_days)
        scorer_rule = contract.add_scorer(functions["scorer"])
        contract.add_example_consumer()

        work, inputs = storage.work_bucket, storage.input_bucket
        allow(functions["ingest"], ["s3:GetObject"], inputs)
        allow(functions["ingest"], ["s3:PutObject"], work, WORK_PREFIX)
        for stage in PAGE_STAGES:
            allow(functions[stage.name], ["s3:GetObject", "s3:PutObject"], work, WORK_PREFIX)
        allow(functions["validation"], ["s3:GetObject"], work, WORK_PREFIX)
        allow(functions["validation"], ["s3:PutObject"], work, RESULTS_PREFIX)
        allow(functions["scorer"], ["s3:GetObject"], work, RESULTS_PREFIX)
        allow(functions["scorer"], ["s3:GetObject"], inputs)
        allow(functions["scorer"], ["s3:PutObject"], work, SCORES_PREFIX)
        contract.bus.grant_put_events_to(functions["scorer"])
        acknowledge_resources(
            workflow.state_machine, ["*", *[f"{arn_token(functions[f.name])}:*" for f in PIPELINE_FUNCTIONS]],
            "Invoking a function covers its versions (arn:*); log delivery and X-Ray actions have "
            "no resource-level permissions.")

        for child in self.node.children:  # the custom resource behind S3 -> EventBridge notifications
            if child.node.id.startswith("BucketNotificationsHandler"):
                acknowledge(child, BASIC_EXECUTION, "CDK's own handler that turns on EventBridge "
                            "notifications for the input bucket; it only writes its logs.")
        self.monitoring = Monitoring(
            self, "Monitoring", state_machine=workflow.state_machine, functions=functions,
            dead_letter_queues=[workflow.dead_letters], alarm_email=config.alarm_email)
        self.functions, self.workflow, self.contract, self.storage = functions, workflow, contract, storage
        self.scorer_rule = scorer_rule
        CfnOutput(self, "EventBusName", value=contract.bus.event_bus_name)
        CfnOutput(self, "InputBucketName", value=inputs.bucket_name)
        CfnOutput(self, "WorkBucketName", value=work.bucket_name)
        CfnOutput(self, "StateMachineArn", value=workflow.state_machine.state_machine_arn)
