"""The scorer: given a test result (OcrCompleted / OcrFailed with test: true), score it
against its ground truth, store the score JSON and publish ``OcrTestScored``.

Scores are stored per run (``scores/<dataset>/<variant>/<case>/<execution>.json``), so a late
duplicate of an older run never overwrites a newer run's score, and each run is scored once: a
redelivery of the same result (EventBridge and Lambda's asynchronous retries deliver at least once)
gets the stored answer and publishes nothing new.
"""

from __future__ import annotations

from ..bus import put_events
from ..errors import InvalidInputError
from ..evaluation.documents import load_ground_truth, score_document
from ..schema.document import Document
from ..schema.events import SOURCE, OcrFailed, OcrTestScored, ResultEvent, ResultSummary
from ..settings import ScorerSettings
from ..storage import parse_s3_uri
from .context import TaskContext
from .once import once


def score(event: ResultEvent, ctx: TaskContext, settings: ScorerSettings | None = None) -> OcrTestScored:
    settings = settings or ScorerSettings()

    def score_once(submission: dict) -> dict:
        return score_run(event, ctx, settings).model_dump(mode="json")

    answer, _ = once(score_once, f"scored/{event.run}/{event.detail_type}", ctx,
                     table=settings.idempotency_table, window_seconds=settings.duplicate_window_seconds)
    return OcrTestScored.model_validate(answer)


def score_run(event: ResultEvent, ctx: TaskContext, settings: ScorerSettings) -> OcrTestScored:
    store = ctx.store
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
    key = f"scores/{case.dataset}/{case.variant or 'default'}/{case.case_id}/{event.run}.json"
    scored = scored.model_copy(update={"score_uri": f"s3://{settings.scores_bucket}/{key}"})
    store.put_model(settings.scores_bucket, key, scored)
    put_events(ctx.client("events"), [{"EventBusName": settings.event_bus_name, "Source": SOURCE,
                                       "DetailType": "OcrTestScored", "Detail": scored.model_dump_json()}],
               what=f"bus {settings.event_bus_name}")
    return scored
