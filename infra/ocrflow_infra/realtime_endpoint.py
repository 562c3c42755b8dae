"""The ``sagemaker_realtime`` backend's construct: a SageMaker real-time endpoint of the serving
image, kept at one instance or more and scaled out by target tracking on invocations per instance
(https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling-add-code-define.html), and
the invoker's permission to call it."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from ocrflow.orchestration.backends import Endpoint
from ocrflow.orchestration.backends.sagemaker_realtime import INVOKER

from .config import EndpointConfig
from .endpoints import EndpointResources, ServedEndpoint

# Invocations a minute per instance that target tracking keeps: AWS advises about half of what one
# instance sustains in a load test. A starting point, not measured here (no GPU instance on this machine).
INVOCATIONS_PER_INSTANCE = 300.0


class RealtimeEndpoint(ServedEndpoint):
    """Model, endpoint configuration (one production variant, no asynchronous config), endpoint, and
    scaling between one and ``max_instances``: real-time variants do not scale to zero."""

    def __init__(self, scope: Construct, id: str, *, endpoint: Endpoint, resources: EndpointResources,
                 work_bucket: s3.IBucket, config: EndpointConfig) -> None:
        super().__init__(scope, id)
        model = self._model(endpoint, resources, work_bucket, f"ocrflow {endpoint.key} real-time endpoint",
                            config.models)
        self._serve(self._configure(model, resources, config))
        self._scalable(config, min_capacity=1).scale_to_track_metric(
            "InvocationsPerInstance", target_value=INVOCATIONS_PER_INSTANCE,
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
            scale_in_cooldown=Duration.minutes(10), scale_out_cooldown=Duration.minutes(2))

    @classmethod
    def connect(cls, scope: Construct, endpoints: list[ServedEndpoint], *, resources: EndpointResources,
                functions: dict, workflow, work_bucket: s3.IBucket) -> dict[str, sqs.IQueue]:
        """The invoker calls the endpoints; each endpoint reads the page and writes the stage outputs."""
        invoker = functions[INVOKER.name]
        for endpoint in endpoints:
            invoker.add_to_role_policy(iam.PolicyStatement(actions=["sagemaker:InvokeEndpoint"],
                                                           resources=[endpoint.arn]))
            endpoint.grant_serving(resources, work_bucket)
        return {}
