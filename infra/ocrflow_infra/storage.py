"""Buckets and the submissions table: where documents come from, where the pipeline works,
where access is logged, and which submissions were already started."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .nag import acknowledge

WORK_PREFIX = "work/"
RESULTS_PREFIX = "results/"
SCORES_PREFIX = "scores/"


def _secure_bucket(scope: Construct, id: str, **kwargs) -> s3.Bucket:
    return s3.Bucket(
        scope, id, encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL, versioned=False,
        removal_policy=RemovalPolicy.RETAIN, **kwargs)


def expiring_table(scope: Construct, id: str, *, ttl_attribute: str) -> dynamodb.Table:
    """Records keyed by ``id`` that expire (TTL), encrypted, on demand, recoverable to a point in time."""
    return dynamodb.Table(
        scope, id, partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST, time_to_live_attribute=ttl_attribute,
        encryption=dynamodb.TableEncryption.AWS_MANAGED, removal_policy=RemovalPolicy.DESTROY,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True))


class Storage(Construct):
    """The input bucket is only ever read by the pipeline; the work bucket holds page images
    and stage outputs (expired after ``work_retention_days``), results and scores."""

    def __init__(self, scope: Construct, id: str, *, input_bucket_name: str | None,
                 work_retention_days: int, s3_trigger: bool) -> None:
        super().__init__(scope, id)
        self.access_logs = _secure_bucket(self, "AccessLogs", lifecycle_rules=[
            s3.LifecycleRule(expiration=Duration.days(365))])
        acknowledge(self.access_logs, "AwsSolutions-S1",
                    "This bucket receives the server access logs of the others; logging it would loop.")
        if input_bucket_name:
            self.input_bucket: s3.IBucket = s3.Bucket.from_bucket_name(self, "Input", input_bucket_name)
        else:
            self.input_bucket = _secure_bucket(self, "Input", server_access_logs_bucket=self.access_logs,
                                               server_access_logs_prefix="input/",
                                               event_bridge_enabled=s3_trigger)
        self.work_bucket = _secure_bucket(
            self, "Work", server_access_logs_bucket=self.access_logs, server_access_logs_prefix="work/",
            lifecycle_rules=[
                s3.LifecycleRule(id="ExpireIntermediates", prefix=WORK_PREFIX,
                                 expiration=Duration.days(work_retention_days)),
                s3.LifecycleRule(id="AbortUploads", abort_incomplete_multipart_upload_after=Duration.days(1)),
            ])
        # The starter's idempotency records (Powertools' layout: id, expiration TTL).
        self.submissions = expiring_table(self, "Submissions", ttl_attribute="expiration")
