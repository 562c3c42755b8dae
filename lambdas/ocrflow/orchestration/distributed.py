"""The pages of a long document as a Distributed Map: one Express child execution a page.

A document that the Express workflow leaves (``LongDocument``) runs in the Standard
execution, whose inline Map costs 22 history events and 4 billed transitions a page:
one execution holds about 1,130 pages, and each page adds $0.10 per 1,000 pages.
A Distributed Map reads the page list that Ingest wrote to S3 (``ItemReader``), so the
state stays small however many pages there are, and runs each page's states as an
Express child execution: billed per request, with no history in the parent.

A failed map run would be reported as ``States.ExceedToleratedFailureThreshold``, losing the
failing stage's code, so each child catches its page's error and returns it as its result
(``PageResult``): the map run ends, and Validation raises the first failed page's error as
its stage raised it, so the document's one ``OcrFailed`` says what the inline Map's would.

Built and tested as a definition (``asl.build(..., distributed=True)``, the CDK context
``distributed_pages``), off by default: moto 5.2's interpreter refuses Express children
(its grammar accepts only ``STANDARD``), so the local run cannot execute it as AWS would.
"""

from __future__ import annotations

from .. import errors
from .backends import Backends
from .express import express_capable

S3_GET_OBJECT = "arn:aws:states:::s3:getObject"
LABEL = "Pages"  # names the map run and its children: arn:...:execution:<machine>/Pages:<id>
CHILD_TYPE = "EXPRESS"
PAGE_RESULTS = "$.page_results"  # where the map run's results go, for Validation
PAGE_FAILURE_STATES = ("ReadPageFailure", "DescribeUnexpectedPageFailure")  # the children's Catch targets


def page_failure_states() -> dict:
    """A child's failure path: the page and its error described as ``OcrflowError.to_dict`` does,
    parsed from the Lambda error payload as the parent's ParseFailure does; anything else (a
    timeout, a crash) as an internal error, as the parent's DescribeUnexpectedFailure does."""
    parse, unexpected = PAGE_FAILURE_STATES
    return {
        parse: {"Type": "Pass", "Comment": "The Cause of an ocrflow error is a Lambda error payload",
                "Parameters": {"page.$": "$.page", "payload.$": "States.StringToJson($.error.Cause)"},
                "Next": "PageFailed"},
        "PageFailed": {"Type": "Pass",
                       "Parameters": {"page.$": "$.page", "error.$": "States.StringToJson($.payload.errorMessage)"},
                       "End": True},
        unexpected: {"Type": "Pass", "Comment": "Timeouts, runtime crashes and exhausted retries of the Lambda service",
                     "Parameters": {"page.$": "$.page", "error": {
                         "error_type": errors.OcrflowError.__name__, "error_code": errors.OcrflowError.code,
                         "stage": "unknown", "message.$": "$.error.Error"}},
                     "End": True},
    }


def distributed_pages(item_selector: dict, processor: dict, page_catch: list[dict], **fields) -> dict:
    """The Map state over the page list in S3. ``processor`` is the inline Map's (its states are
    the children's, each with ``page_catch``); each child returns its page number and, where it
    failed, the error (``PageResult``), so the map run's results stay far below 256 KiB. The Map's
    own Catch is left for what fails the map run itself (the page list unreadable, a child that
    could not start)."""
    states = {name: {**state, "Catch": page_catch} for name, state in processor["States"].items()}
    last = next(state for state in states.values() if state.get("End"))
    last.pop("OutputPath", None)
    last["ResultSelector"] = {"page.$": "$.Payload.page"}
    states.update(page_failure_states())
    fields["ResultPath"] = PAGE_RESULTS
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
