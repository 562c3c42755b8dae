"""Dashboard and alarms: executions, failures, per-stage latency, throughput, confidence,
and the word F1 of test traffic."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ocrflow.registry import PAGE_STAGES, VALIDATION

NAMESPACE = "ocrflow"
STAGES = (*(stage.name for stage in PAGE_STAGES), VALIDATION.name)
FIVE_MINUTES = Duration.minutes(5)


def ocrflow_metric(name: str, statistic: str, label: str | None = None) -> cw.Metric:
    return cw.Metric(namespace=NAMESPACE, metric_name=name, dimensions_map={"service": "ocrflow"},
                     statistic=statistic, period=FIVE_MINUTES, label=label or f"{name} {statistic}")


class Monitoring(Construct):
    def __init__(self, scope: Construct, id: str, *, state_machine: sfn.StateMachine,
                 functions: Mapping[str, lambda_.IFunction], dead_letter_queues: dict[str, sqs.IQueue],
                 submissions: sqs.IQueue, alarm_email: str | None, submissions_age_seconds: int = 900) -> None:
        super().__init__(scope, id)
        # CloudWatch publishes to the topic as the service principal, which cannot use the AWS managed
        # alias/aws/sns key (its policy admits only the account's own principals through SNS): a
        # customer managed key whose policy lets CloudWatch use it ("Configure AWS KMS permissions",
        # Amazon SNS Developer Guide: compatibility between event sources from AWS services and
        # encrypted topics).
        self.key = kms.Key(self, "AlarmTopicKey", enable_key_rotation=True,
                           description="ocrflow: the alarm topic; CloudWatch alarms may encrypt with it")
        self.key.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"], resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}}))
        self.topic = sns.Topic(self, "Alarms", enforce_ssl=True, master_key=self.key)
        # The topic policy enforce_ssl writes replaces SNS's default one: CloudWatch must be let in by name.
        stack = Stack.of(self)
        self.topic.add_to_resource_policy(iam.PolicyStatement(
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")], actions=["sns:Publish"],
            resources=[self.topic.topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": stack.account},
                        "ArnLike": {"aws:SourceArn": stack.format_arn(
                            service="cloudwatch", resource="alarm", resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME)}}))
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        action = cw_actions.SnsAction(self.topic)
        self.alarms = [
            cw.Alarm(self, "FailedExecutions", alarm_description="A document ended in OcrFailed or worse",
                     metric=state_machine.metric_failed(period=FIVE_MINUTES, statistic="Sum"),
                     threshold=1, evaluation_periods=1,
                     comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                     treat_missing_data=cw.TreatMissingData.NOT_BREACHING),
            cw.Alarm(self, "SubmissionsWaiting", alarm_description=(
                f"The oldest DocumentSubmitted has waited over {submissions_age_seconds} s for the starter: "
                "starts are throttled or failing; nothing is lost, documents start late"),
                metric=submissions.metric_approximate_age_of_oldest_message(period=FIVE_MINUTES, statistic="Maximum"),
                threshold=submissions_age_seconds, evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING),
        ]
        for index, (what, queue) in enumerate(dead_letter_queues.items()):
            self.alarms.append(cw.Alarm(
                self, f"DeadLetters{index}", alarm_description=f"Parked, waiting to be redriven: {what}",
                metric=queue.metric_approximate_number_of_messages_visible(period=FIVE_MINUTES),
                threshold=1, evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING))
        self.alarms.append(cw.Alarm(
            self, "TimedOutExecutions", alarm_description="A document ran past the state machine's limits",
            metric=state_machine.metric_timed_out(period=FIVE_MINUTES, statistic="Sum"), threshold=1,
            evaluation_periods=1, comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING))
        throttles = {f"t{index}": function.metric_throttles(period=FIVE_MINUTES, statistic="Sum")
                     for index, function in enumerate(functions.values())}
        self.alarms.append(cw.Alarm(
            self, "Throttles", alarm_description="A function was throttled (concurrency limits reached)",
            metric=cw.MathExpression(expression=f"SUM([{', '.join(throttles)}])", using_metrics=throttles,
                                     label="throttled invocations", period=FIVE_MINUTES),
            threshold=1, evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING))
        error_rate = cw.MathExpression(
            expression="100 * failed / MAX([1, started])",
            using_metrics={"failed": state_machine.metric_failed(period=FIVE_MINUTES, statistic="Sum"),
                           "started": state_machine.metric_started(period=FIVE_MINUTES, statistic="Sum")},
            label="failed documents %", period=FIVE_MINUTES)
        self.alarms.append(cw.Alarm(
            self, "ErrorRate", alarm_description="More than 5% of documents failed",
            metric=error_rate, threshold=5, evaluation_periods=2,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING))
        for alarm in self.alarms:
            alarm.add_alarm_action(action)

        word_f1 = cw.MathExpression(
            expression=f"SEARCH('{{{NAMESPACE},dataset,variant}} MetricName=\"word_f1\"', 'Average', 300)",
            label="", period=FIVE_MINUTES)
        self.dashboard = cw.Dashboard(self, "Dashboard", widgets=[
            [cw.GraphWidget(title="Executions", width=12, left=[
                state_machine.metric_started(period=FIVE_MINUTES),
                state_machine.metric_succeeded(period=FIVE_MINUTES),
                state_machine.metric_failed(period=FIVE_MINUTES)]),
             cw.GraphWidget(title="Pages per minute and mean confidence", width=12,
                            left=[ocrflow_metric("pages", "Sum", "pages per 5 min")],
                            right=[ocrflow_metric("mean_confidence", "Average")])],
            [cw.GraphWidget(title="Stage latency p50 (ms)", width=12,
                            left=[ocrflow_metric(f"{s}_latency", "p50") for s in STAGES]),
             cw.GraphWidget(title="Stage latency p95 (ms)", width=12,
                            left=[ocrflow_metric(f"{s}_latency", "p95") for s in STAGES])],
            [cw.GraphWidget(title="Test traffic word F1 (%) by dataset and variant", width=12, left=[word_f1]),
             cw.GraphWidget(title="Stage errors", width=12,
                            left=[f.metric_errors(period=FIVE_MINUTES, label=name)
                                  for name, f in functions.items()])],
            [cw.AlarmStatusWidget(title="Alarms", width=24, alarms=self.alarms)],
        ])
