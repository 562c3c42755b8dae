"""Small, named corrections to moto 5.2's Step Functions interpreter for local runs.

Each shim makes the interpreter do what AWS does with the same definition, or
makes it cheaper, and is applied once per process before the first execution.
``tests/unit/test_moto_shims.py`` shows each one is still needed.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import json
import os
import pickle
import sys
import tempfile
import threading
import types
from importlib.metadata import version
from pathlib import Path

from ..settings import asl_cache_dir

BATCH_SERVICE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_batch"
_applied = False
_finished: dict[str, threading.Event] = {}
_finished_lock = threading.Lock()


def skip_batch_service() -> None:
    """moto's task-service factory imports its AWS Batch integration, which imports moto.ec2 and
    its region tables (0.6 s of a 1-page run); ocrflow's ASL never calls Batch."""
    if BATCH_SERVICE in sys.modules:
        return
    stub = types.ModuleType(BATCH_SERVICE)

    class StateTaskServiceBatch:  # noqa: D401 - the name moto's factory imports
        def __init__(self, *args, **kwargs) -> None:
            raise NotImplementedError("AWS Batch tasks are not available in ocrflow's local runs")

    stub.StateTaskServiceBatch = StateTaskServiceBatch
    sys.modules[BATCH_SERVICE] = stub


def cache_asl_parsing() -> None:
    """moto parses the ASL with ANTLR at every execution (40 ms for ours); the parsed program
    is stateless (a Map runs its iterations on one tree at once), so it is parsed once.

    A fresh process parses both workflows when it deploys them (about 0.3 s of a one-page
    ``ocrflow run``, ANTLR's prediction tables built from nothing), so the program is also
    pickled to ``settings.asl_cache_dir()``, keyed by the definition's text and moto's and Python's
    versions: a later process deploying the same definition loads it (about 10 ms) instead. Only
    a definition that parsed is stored, so a bad one is refused as before; the syntax tree
    beside the program, which only moto's static analysers read (not on ``CreateStateMachine``
    in moto 5.2), is not kept. Any trouble with the directory or a file means parsing as before."""
    # moto's internals load with the local stack, when the shims are applied
    from moto.stepfunctions.parser.asl.parse import asl_parser

    parser = asl_parser.AmazonStateLanguageParser
    cache: dict[str, object] = {}
    original = parser.parse

    def parse(definition: str, *args, **kwargs):
        if args or kwargs:
            return original(definition, *args, **kwargs)
        if definition not in cache:
            cache[definition] = stored_program(definition) or store_program(definition, original(definition))
        return cache[definition]

    parser.parse = staticmethod(parse)


def _program_file(definition: str) -> Path:
    key = hashlib.sha256("\0".join((version("moto"), sys.version, definition)).encode()).hexdigest()
    return asl_cache_dir() / f"{key}.pickle"


def _trusted(path: Path) -> bool:
    """A pickle runs code when loaded: only one this user wrote, in a folder nobody else may write."""
    for part in (path.parent, path):
        status = part.stat()
        if status.st_uid != os.getuid() or status.st_mode & 0o022:
            return False
    return True


def stored_program(definition: str) -> tuple | None:
    try:
        path = _program_file(definition)
        if not _trusted(path):
            return None
        with path.open("rb") as stored:
            return pickle.load(stored), None
    except Exception:  # noqa: BLE001 - absent, unreadable or from another build: parse instead
        return None


def store_program(definition: str, parsed: tuple) -> tuple:
    target, written = _program_file(definition), None
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=target.parent, delete=False) as temporary:
            written = temporary.name
            pickle.dump(parsed[0], temporary, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(written, target)  # whole or not at all, whoever else writes it at once
    except Exception:  # noqa: BLE001 - a read-only home, an unpicklable program: this process's copy only
        if written is not None:
            with contextlib.suppress(OSError):
                os.unlink(written)
    return parsed


def cache_json_paths() -> None:
    """moto's ``extract_json`` builds a new JSONPath parser (its yacc tables) for every path it
    evaluates: 0.26 ms each, about 70 times a one-page document. A parsed path is immutable
    (``find`` only reads), so each distinct path is parsed once."""
    # as above
    from moto.stepfunctions.parser.asl.utils import json_path

    if not hasattr(json_path.parse, "cache_info"):
        json_path.parse = functools.lru_cache(maxsize=4096)(json_path.parse)


def share_executions_on_copy() -> None:
    """StartExecution deep-copies the state machine record with every execution it ever ran;
    a running execution holds locks that cannot be copied, so a second execution started
    while one runs (concurrent documents, a child workflow) fails. The copy only needs the
    definition: it shares the list of executions instead."""
    # as above
    from moto.stepfunctions.models import StateMachine

    def deepcopy(self, memo):
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        for name, value in self.__dict__.items():
            setattr(clone, name, value if name == "executions" else copy.deepcopy(value, memo))
        return clone

    StateMachine.__deepcopy__ = deepcopy


def keep_task_failure_cause() -> None:
    """moto's SendTaskFailure handler drops ``cause``; Step Functions passes it to Catch, and the
    failure path reads the ocrflow error from it."""
    # as above
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    def send_task_failure(self):
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause"))
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure


def signal_termination() -> None:
    """Let a caller wait for an execution to end instead of polling its status (polling sleeps
    and, through the GIL, slows down the handlers being waited for)."""
    # as above
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

    original = BaseExecutionWorkerCommunication.terminated

    def terminated(self) -> None:
        original(self)
        finished(self.execution.exec_arn).set()

    BaseExecutionWorkerCommunication.terminated = terminated


def start_execution_parameters() -> None:
    """The ``states:startExecution`` integration passes the ASL's parameter names (``StateMachineArn``,
    ``Name``, ``Input``) to boto3, whose Step Functions API spells them ``stateMachineArn``...; moto
    fails the task with a KeyError. AWS accepts the ASL spelling (a shadow run starts this way)."""
    # as above
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sfn as sfn_service,
    )

    original = sfn_service.StateTaskServiceSfn._eval_service_task

    def _eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):
        parameters = {key[:1].lower() + key[1:]: value for key, value in normalised_parameters.items()}
        return original(self, env, resource_runtime_part, parameters, state_credentials)

    sfn_service.StateTaskServiceSfn._eval_service_task = _eval_service_task


def pascal(value: dict) -> dict:
    return {key[:1].upper() + key[1:]: item for key, item in value.items()}


def start_execution_sync() -> None:
    """``startExecution.sync:2`` (the Standard workflow waiting for the Express one): AWS answers
    in the API's PascalCase (``ExecutionArn``; then ``Output``, ``Status``, and on failure a cause
    that is the child's description with ``Error`` and ``Cause``); moto's copy of the interpreter
    skips that step and then looks for ``ExecutionArn`` itself (a KeyError). And it polls the child
    every 0.5 s, as long as a one-page document takes here: it waits for the child's end instead."""
    # as above
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_sfn as sfn_service,
    )

    service = sfn_service.StateTaskServiceSfn
    evaluate, build_resolver = service._eval_service_task, service._build_sync2_resolver

    def _eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):
        evaluate(self, env, resource_runtime_part, normalised_parameters, state_credentials)
        env.stack.append(pascal(env.stack.pop()))

    def _build_sync2_resolver(self, env, resource_runtime_part, normalised_parameters, state_credentials):
        arn = env.stack[-1]["ExecutionArn"]
        resolve = build_resolver(self, env, resource_runtime_part, normalised_parameters, state_credentials)

        def resolver():  # moto sleeps 0.5 s after each None: return only once the child has ended
            ended = finished(arn)  # set by signal_termination; without it, a describe every 0.5 s
            while True:
                ended.wait(0.5)
                try:
                    outcome = resolve()
                except sfn_service.FailureEventException as failure:
                    details = failure.failure_event.event_details["taskFailedEventDetails"]
                    details["cause"] = json.dumps(pascal(json.loads(details["cause"])))
                    raise
                if outcome is not None or not env.is_running():
                    return None if outcome is None else pascal(outcome)

        return resolver

    service._eval_service_task = _eval_service_task
    service._build_sync2_resolver = _build_sync2_resolver


def events_service_errors() -> None:
    """moto's EventBridge integration turns an error of the PutEvents call itself (throttling, an
    internal error) into ``States.Runtime``, which no Retry matches and which fails the execution;
    Step Functions names it ``EventBridge.<ErrorCode>``, a task failure that ``States.TaskFailed``
    retries ("Handling errors in Step Functions workflows": service integration errors)."""
    # as above
    from botocore.exceptions import ClientError
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_events
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    service = state_task_service_events.StateTaskServiceEvents
    original = service._from_error

    def _from_error(self, env, ex):
        if not isinstance(ex, ClientError):
            return original(self, env, ex)
        error = f"EventBridge.{ex.response.get('Error', {}).get('Code', 'Exception')}"
        return FailureEvent(env=env, error_name=CustomErrorName(error), event_type=HistoryEventType.TaskFailed,
                            event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                                error=error, cause=str(ex), resource=self._get_sfn_resource(),
                                resourceType=self._get_sfn_resource_type())))

    service._from_error = _from_error


def message_move_task() -> None:
    """moto 5.2's SQS has no ``StartMessageMoveTask``, the API with which an operator redrives a
    dead-letter queue ("Learn how to configure a dead-letter queue redrive in Amazon SQS"): it moves
    every message to the queue whose redrive policy names the DLQ (or to ``DestinationArn``), as new
    messages with the same body and attributes, and answers a ``TaskHandle``. This adds it, so the
    local stack is redriven with the same boto3 call as AWS."""
    # as above
    import uuid

    from moto.core.responses import ActionResult
    from moto.sqs.exceptions import QueueDoesNotExist
    from moto.sqs.responses import SQSResponse

    def start_message_move_task(self):
        backend, source_arn = self.sqs_backend, self._get_param("SourceArn")
        queues = list(backend.queues.values())
        source = next((q for q in queues if q.queue_arn == source_arn), None)
        destination_arn = self._get_param("DestinationArn")
        destination = next((q for q in queues if (q.queue_arn == destination_arn if destination_arn else
                                                   (q.redrive_policy or {}).get("deadLetterTargetArn") == source_arn)),
                           None)
        if source is None or destination is None:
            raise QueueDoesNotExist()
        for message in list(source._messages):
            source._messages.remove(message)
            backend.send_message(destination.name, message.body, message_attributes=message.message_attributes)
        return ActionResult({"TaskHandle": str(uuid.uuid4())})

    SQSResponse.start_message_move_task = start_message_move_task


def forget_executions() -> None:
    """A new local stack: execution names repeat across stacks (they derive from the submission), so
    an earlier stack's ended executions must not answer for this one's."""
    with _finished_lock:
        _finished.clear()


def finished(execution_arn: str) -> threading.Event:
    """Set once the execution has ended (any status)."""
    with _finished_lock:
        return _finished.setdefault(execution_arn, threading.Event())


def apply() -> None:
    global _applied
    if _applied:
        return
    skip_batch_service()
    cache_asl_parsing()
    cache_json_paths()
    share_executions_on_copy()
    keep_task_failure_cause()
    signal_termination()
    start_execution_parameters()
    start_execution_sync()
    message_move_task()
    events_service_errors()
    _applied = True
