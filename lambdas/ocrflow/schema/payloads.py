"""What the state machine passes between its tasks: identifiers and small summaries only.

Every page stage takes a ``StageRequest`` (which stage, on which ``PageTask``) and
returns the ``PageTask``, so the same payload serves a Lambda invocation, a
SageMaker invocation and a local call.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .common import Schema
from .events import DocumentSubmitted, TestCase

Result = TypeVar("Result", bound=BaseModel)


RUN_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"


def run_id_of(execution_id: str) -> str:
    """The last part of the execution's ARN (a Standard execution's name, an Express execution's
    id): unique per state machine, safe as a key."""
    return execution_id.rsplit(":", 1)[-1]


class RunOptions(Schema):
    """How this execution runs its document, decided by the starter (``ocrflow`` in the input)."""

    variant: str | None = Field(default=None, description="Declared in variants.json; None: the baseline")
    shadow_variant: str | None = Field(default=None, description="After publishing, run this variant as a shadow")
    shadow_of: str | None = Field(default=None, description="This run is a shadow: the primary's document.json")


def execution_input(event_id: str | None, detail: Any, run: RunOptions) -> dict:
    """What the starter starts an execution with (and a local run, the same way)."""
    return {"id": event_id, "detail": detail, "ocrflow": run.model_dump()}


class IngestRequest(Schema):
    detail: DocumentSubmitted
    work_bucket: str = Field(description="Bucket for page images, stage outputs and results")
    execution_id: str = Field(min_length=1, description="$$.Execution.Id: keys this run's work objects")
    run: RunOptions = Field(default_factory=RunOptions, description="$.ocrflow, as the starter set it")
    max_pages: int | None = Field(default=None, ge=1, description=(
        "Pages this workflow runs (the Express one's limit): a longer document is left unsplit, deferred"))
    page_list: bool = Field(default=False, description=(
        "Write the page list to S3 for a Distributed Map's ItemReader instead of returning it in the state"))

    @property
    def run_id(self) -> str:
        return run_id_of(self.execution_id)


class IngestResult(Schema):
    document_id: str
    run_id: str = Field(pattern=RUN_ID)
    bucket: str = Field(description="Work bucket holding page images and stage outputs")
    source_uri: str
    media_type: str
    page_count: int = Field(ge=1)
    max_concurrency: int = Field(ge=0)
    pages: list["PageRef"] = Field(description="Empty when the page list is in S3 (page_list_key)")
    page_list_key: str | None = Field(default=None, description="The pages as a JSON array of PageRef, in the bucket")
    test: bool = False
    test_case: TestCase | None = None
    variant: str | None = None
    shadow_variant: str | None = None
    shadow_of: str | None = None
    deferred: bool = Field(default=False, description="More than max_pages: not split, for the Standard workflow")


class PageRef(Schema):
    page: int = Field(ge=1)
    image_key: str


class PageTask(Schema):
    document_id: str
    run_id: str = Field(pattern=RUN_ID)
    bucket: str
    page: int = Field(ge=1)
    image_key: str = Field(description="The page image as ingested; later stages turn it upright")
    variant: str | None = Field(default=None, description="Its stages' settings overlay (variants.json)")
    carried: dict[str, dict] = Field(default_factory=dict, description=(
        "Earlier stages' outputs of this page (StageOutput JSON) carried in the state; one too large to "
        "carry is in S3. The last page stage stores them all as one object (PageOutputs) for Validation"))


class StageRequest(Schema):
    """One page stage (or ``fused``: the offloadable stages at once) on one page."""

    stage: str
    task: PageTask


class PageResult(Schema):
    """What a Distributed Map's child execution returns for its page: the page number, and where its
    states failed, the error as the stage described it (``OcrflowError.to_dict``)."""

    page: int = Field(ge=1)
    error: dict[str, str | None] | None = None


class ValidationRequest(Schema):
    document_id: str
    run_id: str = Field(pattern=RUN_ID)
    bucket: str
    page_count: int = Field(ge=1)
    source_uri: str
    test: bool = False
    test_case: TestCase | None = None
    variant: str | None = None
    shadow_of: str | None = None
    page_results: list[PageResult] = Field(default_factory=list, description=(
        "A Distributed Map's results; Validation raises the first failed page's error"))


class StageOutput(Schema, Generic[Result]):
    """A stage's result as stored in S3, with how long the stage took."""

    stage: str
    elapsed_ms: float
    variant: str | None = None
    result: Result


class PageOutputs(Schema):
    """Every page stage's output (StageOutput JSON) for one page, stored once by the last page stage:
    one S3 write a page where each stage used to write its own, and one read for Validation."""

    outputs: dict[str, dict]


IngestResult.model_rebuild()


class DispatchRequest(Schema):
    """A page stage for a SageMaker asynchronous endpoint, with the token its task waits on."""

    stage: str
    task: PageTask
    task_token: str = Field(min_length=1)
    endpoint: str = Field(min_length=1, description="The endpoint's name")


class InvokeRequest(Schema):
    """A page stage for a SageMaker real-time endpoint, answered in the same call."""

    stage: str
    task: PageTask
    endpoint: str = Field(min_length=1, description="The endpoint's name")


class DispatchReceipt(Schema):
    inference_id: str
    input_location: str
    output_location: str


class AsyncInferenceNotification(BaseModel):
    """What SageMaker Asynchronous Inference publishes to its success and error topics."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    inference_id: str = Field(alias="inferenceId")
    invocation_status: str = Field(alias="invocationStatus", description="Completed, Failed or Expired")
    failure_reason: str | None = Field(default=None, alias="failureReason")
    request_parameters: dict = Field(default_factory=dict, alias="requestParameters")
    response_parameters: dict = Field(default_factory=dict, alias="responseParameters")


class SnsMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    message: str = Field(alias="Message")
    topic_arn: str | None = Field(default=None, alias="TopicArn")


class SnsRecord(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    sns: SnsMessage = Field(alias="Sns")


class SnsEvent(BaseModel):
    """The event SNS invokes a Lambda function with (one record per message in practice)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    records: list[SnsRecord] = Field(alias="Records", min_length=1)


class CompletionReport(Schema):
    completed: int = 0
    failed: int = 0
    unknown: int = Field(default=0, description="Notifications whose token is gone (already used or expired)")


class SubmittedEvent(BaseModel):
    """A DocumentSubmitted event as the starter receives it (the EventBridge envelope, or the
    object the S3-upload rule builds); ``detail`` is validated by the starter, so that a
    malformed one still ends in an ``OcrFailed``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(default="", description="EventBridge event id: the same for a redelivered event")
    time: str = Field(default="", description="When it was put on the bus (ISO 8601): the same on a redelivery")
    detail: Any = None


class StartReceipt(Schema):
    status: Literal["started", "duplicate", "rejected"]
    document_id: str
    execution_arn: str | None = None


class SqsRecord(BaseModel):
    """One message of a batch an SQS event source mapping invokes a function with."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    message_id: str = Field(alias="messageId")
    body: str
    attributes: dict[str, Any] = Field(default_factory=dict)


class SqsBatch(BaseModel):
    """The event of an SQS event source mapping ("Using Lambda with Amazon SQS")."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    records: list[SqsRecord] = Field(alias="Records", min_length=1)


class BatchItemFailure(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    item_identifier: str = Field(alias="itemIdentifier")


class StartBatchReport(BaseModel):
    """The starter's answer to a batch: ``batchItemFailures`` is the partial batch response the event
    source mapping reads (``ReportBatchItemFailures``: only those messages return to the queue);
    ``receipts`` (message id -> receipt) are for logs, metrics and the local run, and Lambda ignores them."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    batch_item_failures: list[BatchItemFailure] = Field(default_factory=list, alias="batchItemFailures")
    receipts: dict[str, StartReceipt] = Field(default_factory=dict)
