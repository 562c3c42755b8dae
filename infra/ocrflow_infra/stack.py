"""The stack: builds each component and does every grant, least privilege, no wildcard actions."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from ocrflow.orchestration import asl
from ocrflow.registry import PAGE_STAGES, SCORER, STARTER, load
from ocrflow.variants import variants

from .bus import EventContract
from .config import StackConfig
from .endpoints import EndpointResources
from .front_door import FrontDoor
from .functions import ASSET_EXCLUDES, StageFunctions
from .monitoring import Monitoring
from .nag import BASIC_EXECUTION, acknowledge, acknowledge_resources, allow, arn_token
from .storage import RESULTS_PREFIX, SCORES_PREFIX, WORK_PREFIX, Storage
from .textract_api import TextractApi, TextractApiConfig
from .workflow import Workflow


class OcrflowStack(Stack):
    def __init__(self, scope: Construct, id: str, *, config: StackConfig, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        storage = Storage(self, "Storage", input_bucket_name=config.input_bucket_name,
                          work_retention_days=config.work_retention_days, s3_trigger=config.s3_trigger)
        contract = EventContract(self, "Events", bus_name=config.bus_name)
        backends = config.backends
        resources = EndpointResources(self, "EndpointResources", config=config.endpoint,
                                      asset_excludes=ASSET_EXCLUDES) if backends.endpoints else None
        environment = {"OCRFLOW_MAX_CONCURRENCY": str(config.max_concurrency),
                       "OCRFLOW_EVENT_BUS_NAME": config.bus_name,
                       "OCRFLOW_SCORES_BUCKET": storage.work_bucket.bucket_name}
        # Each endpoint backend's construct (``Backend.construct``), and what its functions need to know.
        kinds: dict = {backend: load(backend.construct) for backend in backends.in_use() if backend.construct}
        for kind in kinds.values():
            environment.update(kind.environment(resources))
        environment["OCRFLOW_IDEMPOTENCY_TABLE"] = storage.submissions.table_name
        environment["OCRFLOW_DUPLICATE_WINDOW_SECONDS"] = str(config.duplicate_window_seconds)
        deployed = (*asl.functions_invoked(backends), SCORER, STARTER, *backends.support_functions())
        functions = StageFunctions(self, "Functions", config=config, log_retention_days=config.log_retention_days,
                                   environment=environment, functions=deployed).functions
        endpoints = [kinds[e.backend](self, f"{e.state}Endpoint", endpoint=e, resources=resources,
                                      work_bucket=storage.work_bucket, config=config.endpoint)
                     for e in backends.endpoints]
        workflow = Workflow(self, "Workflow", bus=contract.bus, functions=functions,
                            work_bucket=storage.work_bucket, log_retention_days=config.log_retention_days,
                            backends=backends,
                            endpoint_names={e.spec.substitution: e.name for e in endpoints},
                            shadow=variants().shadow.enabled, distributed_pages=config.distributed_pages)
        front_door = FrontDoor(self, "FrontDoor", bus=contract.bus, starter=functions["starter"],
                               starter_timeout_seconds=config.function("starter").timeout_seconds,
                               max_concurrency=config.start_max_concurrency, input_bucket=storage.input_bucket,
                               s3_trigger=config.s3_trigger)
        scorer_rule = contract.add_scorer(functions["scorer"])
        contract.add_example_consumer()

        work, inputs = storage.work_bucket, storage.input_bucket
        allow(functions["ingest"], ["s3:GetObject"], inputs)
        allow(functions["ingest"], ["s3:PutObject"], work, WORK_PREFIX)
        for stage in PAGE_STAGES:
            if stage.name in functions:
                allow(functions[stage.name], ["s3:GetObject", "s3:PutObject"], work, WORK_PREFIX)
        allow(functions["validation"], ["s3:GetObject"], work, WORK_PREFIX)
        allow(functions["validation"], ["s3:PutObject"], work, RESULTS_PREFIX)
        allow(functions["scorer"], ["s3:GetObject"], work, RESULTS_PREFIX)
        allow(functions["scorer"], ["s3:GetObject"], inputs)
        allow(functions["scorer"], ["s3:PutObject"], work, SCORES_PREFIX)
        contract.bus.grant_put_events_to(functions["scorer"])
        storage.submissions.grant(functions["scorer"], "dynamodb:GetItem", "dynamodb:PutItem",  # scored once per run
                                  "dynamodb:UpdateItem", "dynamodb:DeleteItem")
        starter = functions["starter"]
        starter.add_environment("OCRFLOW_STATE_MACHINE_ARN", workflow.state_machine.state_machine_arn)
        workflow.state_machine.grant_start_execution(starter)
        storage.submissions.grant(starter, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                                  "dynamodb:DeleteItem")
        allow(starter, ["s3:GetObject"], inputs)  # HeadObject: the content's identity
        contract.bus.grant_put_events_to(starter)  # OcrFailed for a malformed event
        invoked = [f"{arn_token(functions[f.name])}:*" for f in asl.functions_invoked(backends)]
        for machine in workflow.machines:
            acknowledge_resources(
                machine, ["*", *invoked],
                "Invoking a function covers its versions (arn:*); log delivery and X-Ray actions have "
                "no resource-level permissions.")
        callback_dead_letters = {}
        for backend, kind in kinds.items():
            callback_dead_letters.update(kind.connect(
                self, [e for e in endpoints if e.spec.backend is backend], resources=resources,
                functions=functions, workflow=workflow, work_bucket=work))
        textract = TextractApiConfig.from_context(self.node)
        self.textract_api = TextractApi(
            self, "TextractApi", config=textract, stack_config=config, bus=contract.bus, input_bucket=inputs,
            work_bucket=work, readers=[functions["ingest"], starter], environment=environment,
        ) if textract.enabled else None
        if self.textract_api is not None:
            callback_dead_letters["Textract API results the notifier rule could not deliver"] = \
                self.textract_api.failures
            callback_dead_letters["Textract API results the notifier failed after Lambda's retries"] = \
                self.textract_api.on_failure

        for child in self.node.children:  # the custom resource behind S3 -> EventBridge notifications
            if child.node.id.startswith("BucketNotificationsHandler"):
                acknowledge(child, BASIC_EXECUTION, "CDK's own handler that turns on EventBridge "
                            "notifications for the input bucket; it only writes its logs.")
        self.monitoring = Monitoring(
            self, "Monitoring", state_machine=workflow.state_machine, functions=functions,
            dead_letter_queues={
                "submissions parked after the starter failed them": front_door.dead_letters,
                "submissions the queue refused from EventBridge": front_door.delivery_failures,
                "test results the scorer rule could not deliver": contract.scorer_failures,
                "test results the scorer failed after Lambda's retries": contract.scorer_on_failure,
                "example consumer deliveries": contract.consumer_failures, **callback_dead_letters},
            submissions=front_door.queue, alarm_email=config.alarm_email,
            submissions_age_seconds=config.submissions_age_alarm_seconds)
        self.functions, self.workflow, self.contract, self.storage = functions, workflow, contract, storage
        self.front_door = front_door
        self.scorer_rule = scorer_rule
        CfnOutput(self, "EventBusName", value=contract.bus.event_bus_name)
        CfnOutput(self, "InputBucketName", value=inputs.bucket_name)
        CfnOutput(self, "WorkBucketName", value=work.bucket_name)
        CfnOutput(self, "StateMachineArn", value=workflow.state_machine.state_machine_arn)
        for endpoint in endpoints:
            CfnOutput(self, f"{endpoint.spec.state}EndpointName", value=endpoint.name)
        self.endpoints = endpoints
