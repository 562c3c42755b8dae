"""The Distributed Map for long documents (``distributed.py``), executed by moto's interpreter.

moto 5.2 accepts only STANDARD children in its ASL grammar, so the definition runs here with that
one word changed: the children's states, the ItemReader over the page list Ingest writes, the
ItemSelector and the results are what AWS gets. moto also reports a map run whose children failed
as succeeded, so only the path of a document that succeeds is shown here; the Catch that turns a
failed map run into one OcrFailed is the inline Map's, checked in ``test_asl``.
"""

from __future__ import annotations

import json

import pytest

from ocrflow.local.statemachine import substitutions
from ocrflow.orchestration import asl

from .test_express import EXPRESS_MAX_PAGES, read_once, states_entered


def for_moto(definition: str) -> str:
    return definition.replace('"ExecutionType": "EXPRESS"', '"ExecutionType": "STANDARD"')


@pytest.fixture(scope="module")
def runner():
    from ocrflow.local.runner import LocalRunner

    local = LocalRunner(trace=True, express_max_pages=EXPRESS_MAX_PAGES)
    machine = local.machine
    definition = asl.fill(asl.build(distributed=True), substitutions())
    assert '"ExecutionType": "EXPRESS"' in definition
    machine.sfn.update_state_machine(stateMachineArn=machine.arn, definition=for_moto(definition))
    yield local
    local.close()


def test_a_long_documents_pages_run_as_children_of_a_distributed_map(runner):
    pages = [[f"Distributed page {n}"] for n in range(1, EXPRESS_MAX_PAGES + 3)]
    _, calls, standard, _ = read_once(runner, pages)
    assert calls.count("ocrflow-recognition") == len(pages)
    entered = states_entered(standard)
    assert entered[4:] == ["Ingest", "Pages", "Validation", "PublishCompleted"]  # no page state in the parent
    kinds = [e["type"] for e in standard]
    assert "MapRunStarted" in kinds and "MapRunSucceeded" in kinds
    ingested = json.loads(next(e for e in standard if e["type"] == "TaskSucceeded"
                               and "page_list_key" in e["taskSucceededEventDetails"]["output"])
                          ["taskSucceededEventDetails"]["output"])["Payload"]
    assert ingested["pages"] == [] and ingested["page_list_key"].endswith("/pages.json")
    listed = json.loads(runner.machine.s3.get_object(Bucket="ocrflow-work", Key=ingested["page_list_key"])
                        ["Body"].read())
    assert [item["page"] for item in listed] == list(range(1, len(pages) + 1))
