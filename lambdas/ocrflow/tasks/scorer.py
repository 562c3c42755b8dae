"""The scorer: given a test result (OcrCompleted / OcrFailed with test: true), score it
against its ground truth, store the score JSON and publish ``OcrTestScored``."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from ..errors import InvalidInputError
from ..evaluation.documents import load_ground_truth, score_document
from ..schema.document import Document
from ..schema.events import SOURCE, OcrFailed, OcrTestScored, ResultEvent, ResultSummary
from ..storage import ObjectStore, parse_s3_uri


class ScorerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OCRFLOW_", extra="ignore")

    event_bus_name: str = "ocrflow"
    scores_bucket: str = "ocrflow-work"


def score(event: ResultEvent, store: ObjectStore, settings: ScorerSettings | None = None) -> OcrTestScored:
    settings = settings or ScorerSettings()
    if event.detail_type == "OcrCompleted":
        summary = ResultSummary.model_validate(event.detail)
        case, document_id = summary.test_case, summary.document_id
        document = Document.model_validate_json(store.get_bytes(*parse_s3_uri(summary.results.document)))
        failure_code, stage_ms = None, summary.stage_milliseconds
    else:
        failed = OcrFailed.model_validate(event.detail)
        case, document_id, document = failed.test_case, failed.document_id, None
        failure_code, stage_ms = failed.error_code, {}
    if case is None:
        raise InvalidInputError(f"{event.detail_type} for {document_id} has no test case to score")
    sizes = [(p.width, p.height) for p in document.pages] if document else [(1, 1)]
    truth = load_ground_truth(store.get_bytes(*parse_s3_uri(case.ground_truth_uri)), sizes)
    scored = score_document(document, truth, case, failure_code=failure_code,
                            stage_milliseconds=stage_ms, document_id=document_id)
    key = f"scores/{case.dataset}/{case.variant or 'default'}/{case.case_id}.json"
    scored = scored.model_copy(update={"score_uri": f"s3://{settings.scores_bucket}/{key}"})
    store.put_model(settings.scores_bucket, key, scored)
    store.client_for("events").put_events(Entries=[{
        "EventBusName": settings.event_bus_name, "Source": SOURCE, "DetailType": "OcrTestScored",
        "Detail": scored.model_dump_json()}])
    return scored
