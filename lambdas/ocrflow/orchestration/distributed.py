"""The pages of a long document as a Distributed Map: one Express child execution a page.

A document that the Express workflow leaves (``LongDocument``) runs in the Standard
execution, whose inline Map costs 22 history events and 4 billed transitions a page:
one execution holds about 1,130 pages, and each page adds $0.10 per 1,000 pages.
A Distributed Map reads the page list that Ingest wrote to S3 (``ItemReader``), so the
state stays small however many pages there are, and runs each page's states as an
Express child execution: billed per request, with no history in the parent.

Built and tested as a definition (``asl.build(..., distributed=True)``, the CDK context
``distributed_pages``), off by default: moto 5.2's interpreter refuses Express children
(its grammar accepts only ``STANDARD``) and reports a map run whose children failed as
succeeded, so the local run cannot execute it as AWS would.
"""

from __future__ import annotations

from .backends import Backends
from .express import express_capable

S3_GET_OBJECT = "arn:aws:states:::s3:getObject"
LABEL = "Pages"  # names the map run and its children: arn:...:execution:<machine>/Pages:<id>
CHILD_TYPE = "EXPRESS"


def distributed_pages(item_selector: dict, processor: dict, **fields) -> dict:
    """The Map state over the page list in S3. ``processor`` is the inline Map's (its states are
    the children's); each child returns only its page number, so the map run's results (which
    Step Functions gathers even when ``ResultPath`` drops them) stay far below 256 KiB. No failure
    is tolerated (the default): one failed page fails the map run, and its Catch the document."""
    states = {name: dict(state) for name, state in processor["States"].items()}
    last = next(state for state in states.values() if state.get("End"))
    last.pop("OutputPath", None)
    last["ResultSelector"] = {"page.$": "$.Payload.page"}
    return {
        "Type": "Map", "Label": LABEL,
        "Comment": "One Express child execution a page, over the page list Ingest wrote",
        "ItemReader": {"Resource": S3_GET_OBJECT, "ReaderConfig": {"InputType": "JSON"},
                       "Parameters": {"Bucket.$": "$.ingest.bucket", "Key.$": "$.ingest.page_list_key"}},
        "ItemSelector": item_selector,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": CHILD_TYPE},
                          "StartAt": processor["StartAt"], "States": states},
        **fields,
    }


def child_executions(state_machine_name: str) -> str:
    """The resource name of a map run's children, for the parent role's Describe/StopExecution."""
    return f"{state_machine_name}/{LABEL}:*"


def runs_distributed(backends: Backends, distributed: bool) -> bool:
    """Whether ``asl.build(backends, distributed=...)`` has a Distributed Map: its Express children
    cannot wait for an endpoint's task token either."""
    return distributed and express_capable(backends)
