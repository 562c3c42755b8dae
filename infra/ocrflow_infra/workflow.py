"""The state machines (the definitions ``ocrflow.orchestration.asl`` builds, as the local run
executes them) and their grants; the front door that starts them is ``front_door.py``."""

from __future__ import annotations

from collections.abc import Mapping

import json

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from ocrflow.orchestration import asl
from ocrflow.orchestration.backends import Backends
from ocrflow.orchestration.distributed import child_executions, runs_distributed
from ocrflow.work_layout import PAGE_LIST

from . import REPO
from .functions import retention
from .nag import acknowledge, acknowledge_resources, arn_token
from .storage import WORK_PREFIX


class Workflow(Construct):
    @property
    def machines(self) -> list[sfn.StateMachine]:
        return [self.state_machine, *([self.express] if self.express is not None else [])]

    def __init__(self, scope: Construct, id: str, *, bus: events.IEventBus,
                 functions: Mapping[str, lambda_.IFunction], work_bucket: s3.IBucket,
                 log_retention_days: int, backends: Backends | None = None,
                 endpoint_names: dict[str, str] | None = None, shadow: bool = False,
                 distributed_pages: bool = False) -> None:
        super().__init__(scope, id)
        self.definition = asl.build(backends, shadow=shadow, distributed=distributed_pages)
        distributed_pages = runs_distributed(backends or Backends(), distributed_pages)
        invoked = asl.functions_invoked(backends)
        substitutions = {f.substitution: functions[f.name].function_arn for f in invoked}
        substitutions.update(endpoint_names or {})
        substitutions.update(EventBusName=bus.event_bus_name, WorkBucketName=work_bucket.bucket_name)
        self.log_group = logs.LogGroup(self, "ExecutionLogs", retention=retention(log_retention_days))
        stack = Stack.of(self)
        # A shadow run and a Distributed Map's children are started by the state machine itself: its own ARN
        # in its role's policy would be a dependency cycle, so the name is fixed and the ARN built from it.
        name = f"{stack.stack_name}-documents" if shadow or distributed_pages else None
        shadow_target = name if shadow else None
        if shadow_target:
            substitutions["StandardStateMachineArn"] = self._arn(shadow_target)
        express_definition = asl.build_express(backends, shadow=shadow)
        self.express = None if express_definition is None else self._express(
            express_definition, substitutions, functions, invoked, bus, shadow_target=shadow_target)
        if self.express is not None:
            substitutions["ExpressStateMachineArn"] = self.express.state_machine_arn
        self.state_machine = sfn.StateMachine(
            self, "StateMachine", state_machine_name=name,
            definition_body=sfn.DefinitionBody.from_string(json.dumps(self.definition)),
            definition_substitutions=substitutions,
            state_machine_type=sfn.StateMachineType.STANDARD,
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL,
                                include_execution_data=False),
        )
        self._grant(self.state_machine, functions, invoked, bus, shadow_target=shadow_target)
        if self.express is not None:
            self._grant_run_express(stack)
        if distributed_pages and name is not None:  # a name whenever distributed_pages
            self._grant_distributed_map(stack, name, work_bucket)

    def _express(self, definition: dict, substitutions: dict[str, str], functions: Mapping[str, lambda_.IFunction],
                 invoked: list, bus: events.IEventBus, shadow_target: str | None) -> sfn.StateMachine:
        """The document's states as an Express workflow (see ``ocrflow.orchestration.express``); its
        executions log errors only: the Standard execution that started each one keeps the history."""
        express = sfn.StateMachine(
            self, "ExpressStateMachine", state_machine_name=f"{Stack.of(self).stack_name}-express",
            definition_body=sfn.DefinitionBody.from_string(json.dumps(definition)),
            definition_substitutions=substitutions,
            state_machine_type=sfn.StateMachineType.EXPRESS, tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ERROR,
                                include_execution_data=False))
        self._grant(express, functions, invoked, bus, shadow_target=shadow_target)
        acknowledge(express, "AwsSolutions-SF1", "Errors only: the Standard execution that started each Express "
                    "one keeps its history; every event would be about 10 KB of logs a page.")
        return express

    def _grant(self, machine: sfn.StateMachine, functions: Mapping[str, lambda_.IFunction], invoked: list,
               bus: events.IEventBus, shadow_target: str | None) -> None:
        for function in invoked:
            functions[function.name].grant_invoke(machine)
        bus.grant_put_events_to(machine)
        if shadow_target:
            machine.add_to_role_policy(iam.PolicyStatement(actions=["states:StartExecution"],
                                                           resources=[self._arn(shadow_target)]))

    def _arn(self, name: str) -> str:
        return Stack.of(self).format_arn(service="states", resource="stateMachine", resource_name=name,
                                         arn_format=ArnFormat.COLON_RESOURCE_NAME)

    def _grant_distributed_map(self, stack: Stack, name: str, work_bucket: s3.IBucket) -> None:
        """What a Distributed Map needs (``ocrflow.orchestration.distributed``): read the page list, start
        its child executions of this state machine, and describe and stop them."""
        children = stack.format_arn(service="states", resource="execution", resource_name=child_executions(name),
                                    arn_format=ArnFormat.COLON_RESOURCE_NAME)
        self.state_machine.add_to_role_policy(iam.PolicyStatement(
            actions=["states:StartExecution"], resources=[self._arn(name)]))
        self.state_machine.add_to_role_policy(iam.PolicyStatement(
            actions=["states:DescribeExecution", "states:StopExecution"], resources=[children]))
        page_lists = f"{WORK_PREFIX}*/{PAGE_LIST}"
        self.state_machine.add_to_role_policy(iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[work_bucket.arn_for_objects(page_lists)]))
        acknowledge_resources(self.state_machine, [
            f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{child_executions(name)}",
            f"{arn_token(work_bucket)}/{page_lists}"],
            "A map run's child executions, and the page lists Ingest writes: their names are the documents'.")

    def _grant_run_express(self, stack: Stack) -> None:
        """What ``startExecution.sync:2`` needs: start the Express workflow, describe and stop its
        executions, and the managed rule through which Step Functions learns that one ended."""
        assert self.express is not None, "granted where the Express workflow exists"
        executions = stack.format_arn(service="states", resource="execution",
                                      resource_name=f"{stack.stack_name}-express:*",
                                      arn_format=ArnFormat.COLON_RESOURCE_NAME)
        self.state_machine.add_to_role_policy(iam.PolicyStatement(
            actions=["states:StartExecution"], resources=[self.express.state_machine_arn]))
        self.state_machine.add_to_role_policy(iam.PolicyStatement(
            actions=["states:DescribeExecution", "states:StopExecution"],
            resources=[executions]))
        acknowledge_resources(self.state_machine, [f"arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:"
                                                   f"execution:{stack.stack_name}-express:*"],
                              "The executions of this stack's Express workflow: their names are the documents'.")
        self.state_machine.add_to_role_policy(iam.PolicyStatement(
            actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            resources=[stack.format_arn(service="events", resource="rule",
                                        resource_name="StepFunctionsGetEventsForStepFunctionsExecutionRule")]))


def load_pattern(name: str) -> dict:
    return json.loads((REPO / "events" / "patterns" / f"{name}.json").read_text())
