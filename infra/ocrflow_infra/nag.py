"""Acknowledging cdk-nag findings where they apply, always with a reason."""

from __future__ import annotations

from typing import cast

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

BASIC_EXECUTION = ("AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                   "AWSLambdaBasicExecutionRole]")


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """``rule`` as cdk-nag names it (``AwsSolutions-S1``, ``AwsSolutions-IAM5[Resource::...]``)."""
    Validations.of(construct).acknowledge(Acknowledgment(id=f"AwsSolutions::{rule}", reason=reason))


def arn_token(construct: IConstruct) -> str:
    """How cdk-nag writes the ARN of a construct in a finding: ``<LogicalId.Arn>``."""
    stack = Stack.of(construct)
    return f"<{stack.resolve(stack.get_logical_id(cast(CfnElement, construct.node.default_child)))}.Arn>"


def acknowledge_resources(construct: IConstruct, resources: list[str], reason: str) -> None:
    for resource in resources:
        acknowledge(construct, f"AwsSolutions-IAM5[Resource::{resource}]", reason)


def allow(grantee, actions: list[str], bucket: s3.IBucket, prefix: str = "") -> None:
    """Object actions on one prefix of one bucket, acknowledged to cdk-nag with the reason."""
    grantee.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(actions=actions, resources=[bucket.arn_for_objects(f"{prefix}*")]))
    acknowledge_resources(grantee, [f"{bucket_token(bucket)}/{prefix}*"],
                          f"Object keys are per document; access is limited to {prefix or 'the bucket'}.")


def bucket_token(bucket: s3.IBucket) -> str:
    return arn_token(bucket) if bucket.node.default_child is not None else bucket.bucket_arn
