"""The event bus, its schema registry, and the consumer rules that ship with ocrflow."""

from __future__ import annotations

import json

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_eventschemas as eventschemas
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from ocrflow.schema.delivery import SCORER_TARGET

from . import REPO
from .front_door import on_failure, secure_queue
from .workflow import load_pattern


def draft4(schema: dict) -> str:
    """EventBridge's registry reads JSON Schema draft 4: ``$defs`` become ``definitions``."""
    text = json.dumps(schema).replace("#/$defs/", "#/definitions/")
    out = json.loads(text)
    if "$defs" in out:
        out["definitions"] = out.pop("$defs")
    out["$schema"] = "http://json-schema.org/draft-04/schema#"
    return json.dumps(out)


def pattern_of(name: str) -> events.EventPattern:
    raw = load_pattern(name)
    return events.EventPattern(source=raw.get("source"), detail_type=raw.get("detail-type"),
                               detail=raw.get("detail"))


class EventContract(Construct):
    def __init__(self, scope: Construct, id: str, *, bus_name: str) -> None:
        super().__init__(scope, id)
        self.bus = events.EventBus(self, "Bus", event_bus_name=bus_name)
        registry_name = f"{bus_name}-contract"
        self.registry = eventschemas.CfnRegistry(
            self, "Registry", registry_name=registry_name,
            description="ocrflow events, generated from lambdas/ocrflow/schema/events.py")
        self.schemas = []
        for path in sorted((REPO / "events" / "schemas").glob("*.json")):
            schema = eventschemas.CfnSchema(
                self, f"Schema{path.stem}", registry_name=registry_name,
                schema_name=f"ocrflow@{path.stem}", type="JSONSchemaDraft4",
                content=draft4(json.loads(path.read_text())),
                description=f"detail of {path.stem} events")
            schema.node.add_dependency(self.registry)
            self.schemas.append(schema)

    def add_scorer(self, scorer: lambda_.IFunction) -> events.Rule:
        """The scorer's rule: its dead-letter queue takes deliveries Lambda refused; the scorer's own
        on-failure destination takes results it failed to score after Lambda's retries."""
        self.scorer_failures = secure_queue(self, "ScorerFailures",
                                            dead_letter_reason="It is the dead-letter queue of the scorer rule.")
        self.scorer_on_failure = on_failure(self, "ScorerOnFailure", scorer)
        return events.Rule(self, "ScoreTestResults", event_bus=self.bus, event_pattern=pattern_of("scorer"),
                           description="Test results (test: true) go to the scorer, and only they",
                           targets=[targets.LambdaFunction(
                               scorer, dead_letter_queue=self.scorer_failures,
                               retry_attempts=SCORER_TARGET.retry_attempts,
                               max_event_age=Duration.seconds(SCORER_TARGET.max_event_age_seconds))])

    def add_example_consumer(self) -> events.Rule:
        """What a production consumer subscribes with: result events, never test traffic."""
        self.consumer_queue = secure_queue(
            self, "ExampleProductionConsumer",
            dead_letter_reason="An example subscription, read by hand; a real consumer brings its own.")
        self.consumer_failures = secure_queue(
            self, "ExampleConsumerFailures",
            dead_letter_reason="It is the dead-letter queue of the example consumer rule.")
        return events.Rule(self, "ExampleProductionConsumerRule", event_bus=self.bus,
                           event_pattern=pattern_of("production-consumer"),
                           description="Example: production results only (test: false)",
                           targets=[targets.SqsQueue(self.consumer_queue,
                                                     dead_letter_queue=self.consumer_failures)])
