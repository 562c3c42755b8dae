"""Each moto shim changes what moto 5.2 does: with it, the behaviour AWS has; without it, the defect.

Run in subprocesses: a shim patches moto for the whole process, and the point is to see moto
both with and without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import json, sys, threading, time
    from ocrflow.local import moto_shims
    skip = set(sys.argv[1].split(",")) - {""}
    for name in ("skip_batch_service", "cache_asl_parsing", "cache_json_paths", "share_executions_on_copy",
                 "keep_task_failure_cause", "signal_termination", "start_execution_parameters",
                 "start_execution_sync"):
        if name not in skip:
            getattr(moto_shims, name)()
    from ocrflow.local.statemachine import local_environment
    local_environment()
    import boto3
    from moto import mock_aws
    from ocrflow.local.dispatch import dispatch_lambda
    out = {}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions")
        role = "arn:aws:iam::123456789012:role/r"
        tokens = []
        def remember(event, context):
            tokens.append(event["token"])
            return {}
        with dispatch_lambda({"cb": remember}):
            waiting = sfn.create_state_machine(name="cb", roleArn=role, definition=json.dumps({
                "StartAt": "T", "States": {"T": {
                    "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:cb",
                                   "Payload": {"token.$": "$$.Task.Token"}},
                    "Catch": [{"ErrorEquals": ["ModelError"], "ResultPath": "$.error", "Next": "P"}],
                    "End": True}, "P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
            arn = sfn.start_execution(stateMachineArn=waiting, name="three")["executionArn"]
            while not tokens:
                time.sleep(0.01)
            sfn.send_task_failure(taskToken=tokens[0], error="ModelError", cause='{"errorMessage": "m"}')
            if "signal_termination" not in skip:
                out["signalled"] = moto_shims.finished(arn).wait(10)
            while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                time.sleep(0.01)
            out["cause"] = json.loads(sfn.describe_execution(executionArn=arn)["output"])["error"]["Cause"]
            slow = sfn.create_state_machine(name="slow", roleArn=role, definition=json.dumps({
                "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}))["stateMachineArn"]
            try:
                sfn.start_execution(stateMachineArn=slow, name="one")
                sfn.start_execution(stateMachineArn=slow, name="two")
                out["second_start"] = "ok"
            except Exception as exc:
                out["second_start"] = type(exc).__name__
            if "share_executions_on_copy" not in skip:  # without it, the second start fails
                child = sfn.create_state_machine(name="child", roleArn=role, type="EXPRESS", definition=json.dumps({
                    "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
                        {"Variable": "$.fail", "BooleanEquals": True, "Next": "F"}], "Default": "S"},
                        "F": {"Type": "Fail", "Error": "LongDocument", "Cause": "c"},
                        "S": {"Type": "Wait", "Seconds": 1, "Next": "P"},
                        "P": {"Type": "Pass", "Parameters": {"ok": True}, "End": True}}}))["stateMachineArn"]
                parent = sfn.create_state_machine(name="parent", roleArn=role, definition=json.dumps({
                    "StartAt": "Run", "States": {"Run": {
                        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                        "Parameters": {"StateMachineArn": child, "Name.$": "$$.Execution.Name", "Input.$": "$"},
                        "OutputPath": "$.Output", "End": True,
                        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]},
                        "Caught": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
                for fail in (False, True):
                    started = time.monotonic()
                    run = sfn.start_execution(stateMachineArn=parent, name=f"sync-{fail}",
                                              input=json.dumps({"fail": fail}))["executionArn"]
                    while sfn.describe_execution(executionArn=run)["status"] == "RUNNING":
                        time.sleep(0.01)
                    output = json.loads(sfn.describe_execution(executionArn=run)["output"])
                    if fail:
                        cause = output["error"]["Cause"]
                        out["child_failure"] = json.loads(cause).get("Error") if cause.startswith("{") else cause
                    else:
                        out["child_output"] = output
                        out["waited_over_a_second"] = time.monotonic() - started > 1.4
    out["ec2_imported"] = "moto.ec2" in sys.modules
    from moto.stepfunctions.parser.asl.utils import json_path
    out["json_paths_cached"] = getattr(json_path.parse, "cache_info", lambda: None)() is not None
    print(json.dumps(out))
''')


def run(skip: str = "") -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, skip], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_with_the_shims_moto_behaves_like_aws():
    assert run() == {"second_start": "ok", "signalled": True, "cause": '{"errorMessage": "m"}',
                     "ec2_imported": False, "child_output": {"ok": True}, "child_failure": "LongDocument",
                     "waited_over_a_second": False, "json_paths_cached": True}


def test_without_them_each_defect_is_back():
    bare = run("skip_batch_service,cache_json_paths,keep_task_failure_cause,signal_termination")
    assert bare["json_paths_cached"] is False, "every JSONPath is parsed again at every use"
    assert bare["cause"] is None, "SendTaskFailure dropped the cause"
    assert bare["ec2_imported"] is True, "the Batch integration pulls in moto.ec2"
    # an execution, running or finished, holds locks that StartExecution's deep copy cannot copy
    assert run("share_executions_on_copy")["second_start"] == "TypeError"
    unsynced = run("start_execution_sync")  # moto looks for ExecutionArn in its own camelCase answer
    assert unsynced["child_output"]["error"] == {"Error": "States.Runtime", "Cause": "'ExecutionArn'"}
    assert unsynced["child_failure"] == "'ExecutionArn'"


CACHED_PARSE = textwrap.dedent('''
    import json
    from ocrflow.local import moto_shims
    moto_shims.cache_asl_parsing()
    from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser
    parsed = []
    state_machine = ASLParser.state_machine
    def counted(self):
        parsed.append(1)
        return state_machine(self)
    ASLParser.state_machine = counted
    from ocrflow.local.statemachine import local_environment
    local_environment()
    import boto3
    from moto import mock_aws
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions")
        role = "arn:aws:iam::123456789012:role/r"
        arn = sfn.create_state_machine(name="p", roleArn=role, definition=json.dumps({
            "StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"twice.$": "States.ArrayLength($.a)"},
                                             "End": True}}}))["stateMachineArn"]
        run = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"a": [1, 2]}))["executionArn"]
        while sfn.describe_execution(executionArn=run)["status"] == "RUNNING":
            pass
        try:
            sfn.create_state_machine(name="bad", roleArn=role, definition='{"StartAt": "X", "States": {}}')
            refused = False
        except Exception as exc:  # moto answers InvalidDefinition without its code
            refused = "ASLParserException" in str(exc)
        print(json.dumps({"parsed": len(parsed), "output": sfn.describe_execution(executionArn=run)["output"],
                          "refused": refused}))
''')


def test_a_parsed_definition_is_kept_for_the_next_process(tmp_path):
    """The second process deploys and runs the same definition without parsing it; a bad one is
    still refused (it was never stored)."""
    env = {**os.environ, "OCRFLOW_ASL_CACHE": str(tmp_path)}

    def once() -> dict:
        done = subprocess.run([sys.executable, "-c", CACHED_PARSE], capture_output=True, text=True, timeout=120,
                              env=env)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    first, second = once(), once()
    assert len(list(tmp_path.glob("*.pickle"))) == 1
    assert first["parsed"] >= 1 and second["parsed"] == 1, "only the bad definition is parsed again"
    assert json.loads(first["output"]) == json.loads(second["output"]) == {"twice": 2}
    assert first["refused"] and second["refused"]


def test_a_stored_program_is_loaded_only_from_a_folder_and_file_nobody_else_may_write(tmp_path, monkeypatch):
    """A pickle runs code when loaded: one in a group- or world-writable place is parsed afresh instead."""
    import pickle

    from ocrflow.local import moto_shims

    folder = tmp_path / "asl"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("OCRFLOW_ASL_CACHE", str(folder))
    definition = '{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}'
    stored = moto_shims._program_file(definition)
    stored.write_bytes(pickle.dumps(["the program"]))
    stored.chmod(0o600)
    assert moto_shims.stored_program(definition) == (["the program"], None)
    stored.chmod(0o620)  # the group may write the file
    assert moto_shims.stored_program(definition) is None
    stored.chmod(0o600)
    folder.chmod(0o777)  # anybody may replace it
    assert moto_shims.stored_program(definition) is None
