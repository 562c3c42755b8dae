"""The Standard workflow's first state: run the document in the Express workflow.

Step Functions bills a Standard workflow per state transition ($0.025 per 1,000): the
eight states of a one-page document cost $0.20 per 1,000 pages, seven times what its
Lambda functions cost. An Express workflow is billed per request and per 64 MB-second
instead, about a thousandth of that, but it ends after five minutes, delivers at least
once when started on its own, and keeps no history. So the Standard execution (started
once per document by the starter, with its history) starts the Express one and waits for
it (``startExecution.sync:2``): one transition on the way to ``OcrCompleted``.

The Express execution publishes ``OcrCompleted`` or ``OcrFailed`` itself. When it fails,
the Standard one reads why from the failure's cause (the Express execution's description):

- ``LongDocument``: more pages than the Express workflow runs; the Standard workflow runs
  the same states itself (Ingest again, the pages, Validation, the event);
- ``OcrFailed`` / ``ShadowFailed``: already published (or nothing to publish): it fails too;
- anything else (a timeout, a crash, the start refused): nothing was published, so it
  publishes ``OcrFailed`` with ``INTERNAL``.

A failed start is not retried: the Express execution may have run, and a retry would run the
document twice.
"""

from __future__ import annotations

from .. import errors
from .backends import Backends

START_EXECUTION_SYNC = "arn:aws:states:::states:startExecution.sync:2"
LONG_DOCUMENT = "LongDocument"
# Express executions end after five minutes; at 4 pages in flight and a second or two a page this
# leaves room for slow PDF rendering and cold starts. Longer documents run in the Standard workflow.
EXPRESS_MAX_PAGES = 100
EXPRESS_COMMENT = ("ocrflow: one document, started by the Standard workflow (ocrflow.asl.json) and "
                   "ended in LongDocument when it has more pages than this workflow runs in five minutes.")
# Five minutes is the Express limit; the margin covers the start and the wait's own polling.
EXPRESS_TIMEOUT_SECONDS = 330


def express_capable(backends: Backends) -> bool:
    """Express workflows have no ``.waitForTaskToken``: a stage whose backend waits for a callback
    keeps the document Standard."""
    return not backends.waits_for_callback


def standard_states(shadow: bool) -> dict:
    """RunExpress and the routing of its failures; the rest of the Standard definition is the
    document's own states (``asl.document_states``), entered only by ``LongDocument``."""
    error = "$.express.description.Error"
    reported = [{"Variable": error, "StringEquals": "OcrFailed", "Next": "Failed"}]
    if shadow:
        reported.append({"Variable": error, "StringEquals": "ShadowFailed", "Next": "ShadowFailed"})
    return {
        "RunExpress": {
            "Type": "Task", "Resource": START_EXECUTION_SYNC,
            "Comment": "The document's states, billed as one Express request instead of per transition",
            "Parameters": {"StateMachineArn": "${ExpressStateMachineArn}", "Name.$": "$$.Execution.Name",
                           "Input": {"id.$": "$.id", "detail.$": "$.detail", "ocrflow.$": "$.ocrflow",
                                     "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"}},
            "TimeoutSeconds": EXPRESS_TIMEOUT_SECONDS, "OutputPath": "$.Output", "End": True,
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "ExpressFailed"}]},
        "ExpressFailed": {
            "Type": "Choice", "Comment": "A failed Express execution's description is the cause, as JSON",
            "Choices": [{"And": [{"Variable": "$.error.Error", "StringEquals": "States.TaskFailed"},
                                 {"Variable": "$.error.Cause", "StringMatches": "{*"}],
                         "Next": "ReadExpressFailure"}],
            "Default": "DescribeUnexpectedFailure"},
        "ReadExpressFailure": {
            "Type": "Pass", "Parameters": {"description.$": "States.StringToJson($.error.Cause)"},
            "ResultPath": "$.express", "Next": "RouteExpressFailure"},
        "RouteExpressFailure": {
            "Type": "Choice",
            "Choices": [{"Variable": error, "IsPresent": False, "Next": "DescribeUnexpectedFailure"},
                        {"Variable": error, "StringEquals": LONG_DOCUMENT, "Next": "Ingest"},
                        *reported],
            "Default": "DescribeExpressFailure"},
        "DescribeExpressFailure": {
            "Type": "Pass", "Comment": "The Express execution timed out or crashed before publishing anything",
            "Parameters": {"error": {"error_code": errors.OcrflowError.code, "stage": "unknown",
                                     "message.$": error},
                           "error_type.$": error},
            "ResultPath": "$.failure", "Next": "IsTest"},
    }
