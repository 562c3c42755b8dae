"""Textract's API on AWS, off unless ``ocrflow:textract_api`` turns it on.

An unchanged Textract client signs its requests with SigV4 for the service ``textract``; API
Gateway's IAM authorization (``execute-api``) and function URLs (``lambda``) reject such a
signature. So the API is a PRIVATE REST API with no authorizer: it has no public endpoint at all,
and its resource policy lets requests in only through the account's own ``execute-api`` VPC interface
endpoints (``aws:SourceVpce``), denying everything else. Who may call it is decided by the network
(the VPC, its security groups and the endpoint's own policy), not by the caller's IAM identity; the
README states this trade-off.

Behind it: one function answers every operation (synchronous ones run the page stages in process,
``Start*`` publishes a DocumentSubmitted on the bus, so the starter and the state machine run the
job), a DynamoDB table keeps the jobs, and a notifier on the production result events writes a job's
status, its ``OutputConfig`` pages and Textract's SNS message. Each reads only the buckets configured.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ocrflow.registry import TEXTRACT_API, TEXTRACT_FUNCTIONS, TEXTRACT_NOTIFIER
from ocrflow.schema.delivery import SCORER_TARGET

from .bus import pattern_of
from .config import FunctionConfig, StackConfig
from .front_door import on_failure, secure_queue
from .functions import StageFunctions, retention
from .nag import acknowledge, acknowledge_resources, arn_token
from .storage import RESULTS_PREFIX, expiring_table

CONTEXT_KEY = "ocrflow:textract_api"
STAGE = "textract"


class TextractApiConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    vpc_endpoint_ids: list[str] = Field(default_factory=list, description="The account's execute-api interface "
                                        "endpoints (vpce-...): the only way in")
    buckets: list[str] = Field(default_factory=list, description="Buckets besides the input bucket that documents "
                               "may be read from (by the API, the starter and Ingest)")
    output_buckets: list[str] = Field(default_factory=list, description="Buckets OutputConfig may name")
    notification_topics: list[str] = Field(default_factory=list, description="SNS topic ARNs NotificationChannel "
                                           "may name")

    @model_validator(mode="after")
    def _reachable(self) -> "TextractApiConfig":
        if self.enabled and not self.vpc_endpoint_ids:
            raise ValueError(f"{CONTEXT_KEY}.vpc_endpoint_ids: a private API needs the VPC endpoint it is reached by")
        return self

    @classmethod
    def from_context(cls, node) -> "TextractApiConfig":
        return cls.model_validate(node.try_get_context(CONTEXT_KEY) or {})


def allow(grantee: lambda_.IFunction, actions: list[str], bucket: s3.IBucket, prefix: str = "") -> None:
    """Object actions on one prefix of one bucket (created here or named by context), acknowledged to
    cdk-nag under the resource as it writes it."""
    grantee.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=[bucket.arn_for_objects(f"{prefix}*")]))
    arn = (arn_token(bucket) if bucket.node.default_child is not None
           else f"arn:<AWS::Partition>:s3:::{bucket.bucket_name}")
    acknowledge_resources(grantee, [f"{arn}/{prefix}*"], "Object keys are the callers' or per document; "
                          f"access is limited to {prefix or 'the objects of'} a bucket configured for it.")


def resource_policy(vpc_endpoint_ids: list[str]) -> iam.PolicyDocument:
    """Invoke only through the named VPC endpoints; every other request is denied."""
    condition = {"aws:SourceVpce": vpc_endpoint_ids}
    return iam.PolicyDocument(statements=[
        iam.PolicyStatement(effect=iam.Effect.DENY, principals=[iam.AnyPrincipal()], actions=["execute-api:Invoke"],
                            resources=["execute-api:/*"], conditions={"StringNotEquals": condition}),
        iam.PolicyStatement(effect=iam.Effect.ALLOW, principals=[iam.AnyPrincipal()], actions=["execute-api:Invoke"],
                            resources=["execute-api:/*"], conditions={"StringEquals": condition}),
    ])


class TextractApi(Construct):
    def __init__(self, scope: Construct, id: str, *, config: TextractApiConfig, stack_config: StackConfig,
                 bus: events.IEventBus, input_bucket: s3.IBucket, work_bucket: s3.IBucket,
                 readers: list[lambda_.IFunction], environment: dict[str, str]) -> None:
        super().__init__(scope, id)
        self.jobs = expiring_table(self, "Jobs", ttl_attribute="expires")
        sized = {f.name: stack_config.functions.get(f.name) or FunctionConfig(memory_mb=f.memory_mb,
                                                                              timeout_seconds=f.timeout_seconds)
                 for f in TEXTRACT_FUNCTIONS}
        functions = StageFunctions(
            self, "Functions", config=stack_config.model_copy(update={"functions": {**stack_config.functions,
                                                                                    **sized}}),
            environment={**environment, "OCRFLOW_TEXTRACT_JOBS_TABLE": self.jobs.table_name},
            log_retention_days=stack_config.log_retention_days, functions=TEXTRACT_FUNCTIONS).functions
        self.handler, self.notifier = functions[TEXTRACT_API.name], functions[TEXTRACT_NOTIFIER.name]

        extra = [s3.Bucket.from_bucket_name(self, f"Reads{n}", name) for n, name in enumerate(config.buckets)]
        for bucket in (input_bucket, *extra):
            allow(self.handler, ["s3:GetObject"], bucket)
        for reader, bucket in ((r, b) for r in readers for b in extra):  # a job's document, read by the workflow
            allow(reader, ["s3:GetObject"], bucket)
        self.jobs.grant(self.handler, "dynamodb:GetItem", "dynamodb:PutItem")
        bus.grant_put_events_to(self.handler)
        self.jobs.grant(self.notifier, "dynamodb:GetItem", "dynamodb:PutItem")
        for function in (self.handler, self.notifier):  # Get* and OutputConfig read the job's result
            allow(function, ["s3:GetObject"], work_bucket, RESULTS_PREFIX)
        for n, name in enumerate(config.output_buckets):
            allow(self.notifier, ["s3:PutObject"], s3.Bucket.from_bucket_name(self, f"Writes{n}", name))
        if config.notification_topics:
            self.notifier.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"],
                                                                 resources=config.notification_topics))

        self.failures = secure_queue(self, "NotifierFailures",
                                     dead_letter_reason="It is the dead-letter queue of the notifier rule.")
        self.on_failure = on_failure(self, "NotifierOnFailure", self.notifier)
        events.Rule(self, "NotifyJobs", event_bus=bus, event_pattern=pattern_of("production-consumer"),
                    description="Results end Textract API jobs (the notifier ignores other documents)",
                    targets=[targets.LambdaFunction(
                        self.notifier, dead_letter_queue=self.failures, retry_attempts=SCORER_TARGET.retry_attempts,
                        max_event_age=Duration.seconds(SCORER_TARGET.max_event_age_seconds))])

        access_logs = logs.LogGroup(self, "AccessLogs", retention=retention(stack_config.log_retention_days))
        self.api = apigateway.RestApi(
            self, "Api", description="Amazon Textract's API, answered by ocrflow (private: VPC endpoints only)",
            endpoint_configuration=apigateway.EndpointConfiguration(
                types=[apigateway.EndpointType.PRIVATE],
                vpc_endpoints=[ec2.InterfaceVpcEndpoint.from_interface_vpc_endpoint_attributes(
                                   self, f"Vpce{n}", vpc_endpoint_id=vpce, port=443)
                               for n, vpce in enumerate(config.vpc_endpoint_ids)]),
            policy=resource_policy(config.vpc_endpoint_ids), cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.DESTROY,
            deploy_options=apigateway.StageOptions(
                stage_name=STAGE, tracing_enabled=True, logging_level=apigateway.MethodLoggingLevel.ERROR,
                access_log_destination=apigateway.LogGroupLogDestination(access_logs),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=False, http_method=True, ip=True, protocol=True, request_time=True,
                    resource_path=True, response_length=True, status=True, user=False)))
        self.api.root.add_method("POST", apigateway.LambdaIntegration(
            self.handler, timeout=Duration.seconds(29)), authorization_type=apigateway.AuthorizationType.NONE)
        reason = ("An unchanged Textract client signs for the service 'textract', which IAM authorization "
                  "(execute-api) rejects; the API is PRIVATE and its resource policy admits only the "
                  "account's VPC endpoints.")
        acknowledge(self.api, "AwsSolutions-APIG4", reason)
        acknowledge(self.api, "AwsSolutions-COG4", reason)
        acknowledge(self.api, "AwsSolutions-APIG2", "The function validates every request against botocore's "
                    "Textract model, so that a malformed one gets Textract's error shape, not API Gateway's.")
        acknowledge(self.api, "AwsSolutions-APIG3", "A PRIVATE API has no public endpoint for WAF to guard.")
        acknowledge(self.api, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                    "AmazonAPIGatewayPushToCloudWatchLogs]", "API Gateway's own account-level logging role.")
        first = config.vpc_endpoint_ids[0]
        CfnOutput(self, "TextractEndpoint", description="AWS_ENDPOINT_URL_TEXTRACT inside the VPC",
                  value=f"https://{self.api.rest_api_id}-{first}.execute-api.{Stack.of(self).region}"
                        f".vpce.amazonaws.com/{STAGE}")
