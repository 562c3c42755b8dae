"""The ASL builder: the checked-in file is its output, every definition it can produce is valid
for a validator nobody here wrote and for moto's interpreter, and Retry/Catch follow the code."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ocrflow import errors
from ocrflow.orchestration import asl
from ocrflow.orchestration.backends import Backends
from ocrflow.orchestration.distributed import PAGE_FAILURE_STATES
from ocrflow.registry import PAGE_STAGES
from ocrflow.schema.payloads import IngestResult, PageRef, ValidationRequest

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / "statemachine"
CHECKED_IN = FOLDER / asl.DEFAULT_FILE
VALIDATOR = REPO / "tools" / "node_modules" / ".bin" / "asl-validator"
TRANSIENT = {*asl.LAMBDA_SERVICE_ERRORS, *asl.CRASHED_RUNTIME, *errors.retryable_names(), "States.TaskFailed"}
VARIANTS = {
    "lambda": {},
    **{f"{s.name}-endpoint": {s.name: "sagemaker_async"} for s in PAGE_STAGES if s.offloadable},
    "fused": {"fused": "sagemaker_async"},
    "regions+recognition-endpoints": {"regions": "sagemaker_async", "recognition": "sagemaker_async"},
    "recognition-realtime": {"recognition": "sagemaker_realtime"},
    "fused-realtime": {"fused": "sagemaker_realtime"},
    "regions-async+recognition-realtime": {"regions": "sagemaker_async", "recognition": "sagemaker_realtime"},
}
SHADOW = "+shadow"  # the same backends with the shadow-run states (variants.json configures them)
VARIANTS |= {f"{name}{SHADOW}": VARIANTS[name] for name in ("lambda", "fused")}
DISTRIBUTED = "+distributed"  # long documents' pages in a Distributed Map (the CDK context distributed_pages)
VARIANTS |= {f"lambda{DISTRIBUTED}": {}, f"lambda{SHADOW}{DISTRIBUTED}": {},
             f"fused-realtime{DISTRIBUTED}": VARIANTS["fused-realtime"]}


def definition(variant: str) -> dict:
    return asl.build(Backends.parse(VARIANTS[variant]), shadow=SHADOW in variant, distributed=DISTRIBUTED in variant)


def for_moto(definition: str) -> str:
    """moto 5.2's grammar accepts only STANDARD children of a Distributed Map (see test_distributed)."""
    return definition.replace('"ExecutionType": "EXPRESS"', '"ExecutionType": "STANDARD"')


def definitions(variant: str) -> list[dict]:
    """The Standard definition and, where every stage is on Lambda, the Express one."""
    backends, shadow = Backends.parse(VARIANTS[variant]), SHADOW in variant
    return [d for d in (definition(variant), asl.build_express(backends, shadow=shadow)) if d]


def all_states(states: dict):
    for name, state in states.items():
        yield name, state
        if state["Type"] == "Map":
            yield from all_states(state["ItemProcessor"]["States"])


def test_checked_in_files_are_what_the_builder_writes():
    assert CHECKED_IN.read_text() == asl.render(asl.build()), "run `python -m ocrflow.orchestration.asl`"
    assert (FOLDER / asl.EXPRESS_FILE).read_text() == asl.render(asl.build_express())
    assert asl.main(["--check", "--out", str(FOLDER)]) == 0


def test_check_reports_drift(tmp_path):
    for name in (asl.DEFAULT_FILE, asl.EXPRESS_FILE):
        (tmp_path / name).write_text((FOLDER / name).read_text())
    stale = tmp_path / asl.EXPRESS_FILE
    stale.write_text(stale.read_text().replace("Ingest", "Intake", 1))
    assert asl.main(["--check", "--out", str(tmp_path)]) == 1
    assert asl.main(["--out", str(tmp_path)]) == 0 and stale.read_text() == (FOLDER / asl.EXPRESS_FILE).read_text()


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_definition_passes_a_third_party_validator(variant, tmp_path):
    node = shutil.which("node")
    if node is None or not VALIDATOR.exists():
        pytest.skip("asl-validator is installed by `make test` (npm ci --prefix tools); node is missing")
    for index, built in enumerate(definitions(variant)):
        path = tmp_path / f"{variant}-{index}.asl.json"
        path.write_text(asl.render(built))
        run = subprocess.run([str(VALIDATOR), "--json-path", str(path)], capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "is valid" in run.stdout


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_definition_parses_in_motos_interpreter(variant):
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    from ocrflow.local.statemachine import substitutions

    backends = Backends.parse(VARIANTS[variant])
    for built in definitions(variant):
        filled = asl.fill(built, substitutions(backends, shadow=SHADOW in variant))
        program, _ = AmazonStateLanguageParser.parse(for_moto(filled))
        assert program is not None


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_catch_names_every_ocrflow_error_class(variant):
    names = {cls.__name__ for cls in errors.error_classes()}
    assert {"PayloadError", "EndpointError", "OcrflowError"} <= names
    for built in definitions(variant):
        caught = 0
        for name, state in all_states(built["States"]):
            for catcher in state.get("Catch", []):
                if catcher["Next"] == "ParseFailure":
                    assert set(catcher["ErrorEquals"]) == names, name
                    caught += 1
        assert caught == 3  # Ingest, Pages, Validation


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_only_transient_errors_are_retried_and_every_task_retries(variant):
    tasks = 0
    for built in definitions(variant):
        for name, state in all_states(built["States"]):
            for retrier in state.get("Retry", []):
                assert set(retrier["ErrorEquals"]) <= TRANSIENT, name
                assert retrier["BackoffRate"] > 1 and retrier.get("JitterStrategy") == "FULL"
            if state["Type"] == "Task" and name != "RunExpress":  # a retry would run the document twice
                tasks += 1
                assert state["Retry"], name
    assert tasks >= 5
    assert "TransientError" in errors.retryable_names() and "ModelError" not in errors.retryable_names()


def test_page_states_follow_the_registry_and_switch_to_the_dispatcher():
    lambda_only = definition("lambda")["States"]["Pages"]["ItemProcessor"]
    assert list(lambda_only["States"]) == [s.state for s in PAGE_STAGES]
    assert lambda_only["States"]["TextDetection"]["Parameters"] == {
        "FunctionName": "${TextDetectionFunctionArn}", "Payload": {"stage": "text_detection", "task.$": "$"}}

    switched = definition("text_detection-endpoint")["States"]["Pages"]["ItemProcessor"]["States"]
    callback = switched["TextDetection"]
    assert callback["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert callback["Parameters"]["FunctionName"] == "${DispatcherFunctionArn}"
    assert callback["Parameters"]["Payload"] == {"stage": "text_detection", "task.$": "$",
                                                 "task_token.$": "$$.Task.Token",
                                                 "endpoint": "${TextDetectionEndpointName}"}
    assert callback["TimeoutSeconds"] >= 1800, "covers an endpoint waking up from zero instances"
    assert "OutputPath" not in callback, "the completer sends the page task itself"
    assert switched["Rotation"]["Resource"] == asl.LAMBDA_INVOKE

    realtime = definition("recognition-realtime")["States"]["Pages"]["ItemProcessor"]["States"]["Recognition"]
    assert realtime["Resource"] == asl.LAMBDA_INVOKE and realtime["OutputPath"] == "$.Payload"
    assert realtime["Parameters"] == {"FunctionName": "${InvokerFunctionArn}", "Payload": {
        "stage": "recognition", "task.$": "$", "endpoint": "${RecognitionEndpointName}"}}
    assert realtime["Retry"] == definition("lambda")["States"]["Pages"]["ItemProcessor"]["States"]["Rotation"]["Retry"]

    fused = definition("fused")["States"]["Pages"]["ItemProcessor"]
    assert list(fused["States"]) == ["Rotation", "Fused"]
    assert fused["States"]["Fused"]["Parameters"]["Payload"]["stage"] == "fused"
    assert fused["States"]["Rotation"]["Next"] == "Fused" and fused["States"]["Fused"]["End"] is True


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_substitutions_resolve_and_unknown_ones_fail(variant):
    from ocrflow.local.statemachine import substitutions

    backends = Backends.parse(VARIANTS[variant])
    values = substitutions(backends, shadow=SHADOW in variant)
    built = definitions(variant)
    for one in built:
        assert "${" not in asl.fill(one, values)
    assert set().union(*(asl.substitution_keys(one) for one in built)) == set(values)
    with pytest.raises(KeyError, match="EventBusName"):
        asl.fill(built[0], {k: v for k, v in values.items() if k != "EventBusName"})


def test_map_results_are_discarded_so_state_does_not_grow_with_pages():
    assert definition("lambda")["States"]["Pages"]["ResultPath"] is None


def test_state_of_a_500_page_document_stays_far_below_256_kib():
    pages = [PageRef(page=n, image_key=f"work/{'f' * 16}/{'r' * 36}/pages/{n:04d}/page") for n in range(1, 501)]
    ingest = IngestResult(document_id="f" * 16, run_id="r" * 36, bucket="ocrflow-work-123456789012-eu-west-1",
                          source_uri="s3://in/" + "k" * 900, media_type="application/pdf",
                          page_count=500, pages=pages, max_concurrency=10)
    assert len(ingest.model_dump_json()) < 64 * 1024


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_express_workflow_runs_the_same_states_where_no_stage_waits_for_an_endpoint(variant):
    backends = Backends.parse(VARIANTS[variant])
    standard, express = asl.build(backends), asl.build_express(backends)
    if backends.waits_for_callback:  # Express workflows have no .waitForTaskToken
        assert express is None and standard["StartAt"] == "Ingest" and "RunExpress" not in standard["States"]
        return
    assert standard["StartAt"] == "RunExpress" and express["StartAt"] == "Ingest"
    # the Standard workflow holds the document's states too, for what the Express one leaves
    for name, state in express["States"].items():
        if name not in ("FitsThisWorkflow", asl.LONG_DOCUMENT):
            expected = state if name != "Ingest" else {
                **state, "Next": "Pages", "Parameters": {**state["Parameters"], "Payload": {
                    k: v for k, v in state["Parameters"]["Payload"].items() if k != "max_pages"}}}
            assert standard["States"][name] == expected, name
    assert express["States"]["Ingest"]["Parameters"]["Payload"]["max_pages"] == asl.EXPRESS_MAX_PAGES
    route = standard["States"]["RouteExpressFailure"]["Choices"]
    assert {c["StringEquals"]: c["Next"] for c in route if "StringEquals" in c} == {
        asl.LONG_DOCUMENT: "Ingest", "OcrFailed": "Failed"}
    assert "Retry" not in standard["States"]["RunExpress"], "a retry would run the document twice"


def test_a_long_documents_pages_can_run_as_express_children_of_a_distributed_map():
    inline, distributed = asl.build(), asl.build(distributed=True)
    pages = distributed["States"]["Pages"]
    assert pages["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}
    assert "ItemsPath" not in pages and "ToleratedFailurePercentage" not in pages  # none tolerated
    reader = pages["ItemReader"]["Parameters"]
    assert reader == {"Bucket.$": "$.ingest.bucket", "Key.$": "$.ingest.page_list_key"}
    assert {"bucket", "page_list_key"} <= set(IngestResult.model_fields)
    assert distributed["States"]["Ingest"]["Parameters"]["Payload"]["page_list"] is True
    assert "page_list" not in inline["States"]["Ingest"]["Parameters"]["Payload"]
    # the children run the inline Map's page states; the last returns only its page number
    children, states = pages["ItemProcessor"]["States"], inline["States"]["Pages"]["ItemProcessor"]["States"]
    last = PAGE_STAGES[-1].name.title().replace("_", "")
    assert children[last]["ResultSelector"] == {"page.$": "$.Payload.page"} and "OutputPath" not in children[last]
    # each catches its page's error and ends with it as the child's result, routed as the parent routes its own
    child_catch = asl.catch(*PAGE_FAILURE_STATES)
    assert [c["Next"] for c in child_catch] == ["ReadPageFailure", "DescribeUnexpectedPageFailure"]
    assert all(children[name]["Catch"] == child_catch for name in states)
    assert [c["ErrorEquals"] for c in child_catch] == [c["ErrorEquals"] for c in asl.catch()]
    assert {k: {f: v for f, v in children[k].items() if f != "Catch"} for k in states if k != last} == {
        k: v for k, v in states.items() if k != last}
    assert set(children) - set(states) == {"ReadPageFailure", "PageFailed", "DescribeUnexpectedPageFailure"}
    for field in ("ItemSelector", "MaxConcurrencyPath", "Catch", "Next"):
        assert pages[field] == inline["States"]["Pages"][field], field
    # the map run's results reach Validation, which raises a failed page's error
    assert pages["ResultPath"] == "$.page_results" and inline["States"]["Pages"]["ResultPath"] is None
    payload = distributed["States"]["Validation"]["Parameters"]["Payload"]
    assert payload.pop("page_results.$") == "$.page_results" and "page_results" in ValidationRequest.model_fields
    assert payload == inline["States"]["Validation"]["Parameters"]["Payload"]
    # only the Standard workflow's own path (documents over the Express limit) changes
    assert asl.build_express()["States"]["Pages"]["ItemsPath"] == "$.ingest.pages"
    assert {k: v for k, v in distributed["States"].items() if k not in ("Ingest", "Pages", "Validation")} == {
        k: v for k, v in inline["States"].items() if k not in ("Ingest", "Pages", "Validation")}
    endpoint = asl.build(Backends.parse({"recognition": "sagemaker_async"}), distributed=True)
    assert "ItemReader" not in endpoint["States"]["Pages"], "task tokens cannot wait in Express children"
    realtime = asl.build(Backends.parse({"recognition": "sagemaker_realtime"}), distributed=True)
    children = realtime["States"]["Pages"]["ItemProcessor"]["States"]
    assert children["Recognition"]["ResultSelector"] == {"page.$": "$.Payload.page"}, "the invoker answers in the call"
