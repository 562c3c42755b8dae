"""Every stage and every function of ocrflow, named once.

Standard library only: the CDK app (which does not install ocrflow's
dependencies), the ASL builder, the Lambda handlers, the SageMaker server and
the local runner all read this module, so that adding a stage is one entry
here plus its code. Everything else (state names, function names, ASL
substitution keys, handler paths, settings prefixes, metric names) is derived.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any, Callable


def camel(name: str) -> str:
    """``text_detection`` -> ``TextDetection``."""
    return "".join(part.capitalize() for part in name.split("_"))


def load(path: str) -> Any:
    """``"package.module:Name"`` -> the object, imported on demand."""
    module, _, attribute = path.partition(":")
    return getattr(import_module(module), attribute)


TASKS = "ocrflow.tasks.specs"


@dataclass(frozen=True)
class Function:
    """A Lambda function of the stack; ``handler`` is the image CMD, ``task`` the ``TaskSpec`` it
    wraps (an import path: this module stays standard library only), which the Lambda handler, the
    local dispatcher and the serving app all run; ``serves`` the page stage it is sized for (it
    refuses any other). Its size is the one measured for it (the CDK app's default, the cost
    estimate's input)."""

    name: str
    handler: str
    description: str
    memory_mb: int = 2048
    timeout_seconds: int = 300
    task: str | None = None  # None: the handler is its own adapter (the Textract API's)
    serves: str | None = None

    @property
    def construct_id(self) -> str:
        return camel(self.name)

    @property
    def substitution(self) -> str:
        """The ``${...}`` placeholder of its ARN in the ASL."""
        return f"{camel(self.name)}FunctionArn"

    @property
    def local_name(self) -> str:
        return f"ocrflow-{self.name.replace('_', '-')}"


# What a stage may read besides the results of the stages before it (``Stage.inputs``).
PAGE = "page"  # the page image as ingested
UPRIGHT = "upright"  # the page turned upright by the stage that ``turns_page``


@dataclass(frozen=True)
class Stage:
    """A page stage: a pure core class with its settings, run on one page by the page task.

    ``inputs`` are the core's positional arguments, in order: ``PAGE``, ``UPRIGHT``, or the name
    of an earlier stage (its result). The pipeline, the page task and the serving app build the
    arguments from this declaration and the outputs so far; nothing else names a stage's inputs."""

    name: str
    core: str
    settings: str
    result: str
    offloadable: bool  # may leave Lambda for a SageMaker endpoint
    inputs: tuple[str, ...] = (UPRIGHT,)
    turns_page: bool = False  # its result turns the page upright (``UPRIGHT`` of the stages after it)
    reads_text: bool = False  # its model's alphabet is what the languages (``-l``) choose
    memory_mb: int = 2048  # of its Lambda function
    timeout_seconds: int = 300

    @property
    def state(self) -> str:
        return camel(self.name)

    @property
    def function(self) -> Function:
        return Function(self.name, "ocrflow.handlers.pages.handler", f"ocrflow {self.name} stage",
                        self.memory_mb, self.timeout_seconds, task=f"{TASKS}:PAGE", serves=self.name)

    def arguments(self, page: Callable[[], Any], upright_page: Callable[[], Any],
                  output: Callable[[str], Any]) -> tuple:
        """What the core is called with: its ``inputs`` in order, each the page as ingested, the upright
        page or an earlier stage's result (``output(name)``); each read only if declared. The one rule
        the in-process pipeline, the page task (so Lambda and the serving app) and the bench share."""
        sources = {PAGE: page, UPRIGHT: upright_page}
        return tuple(sources[name]() if name in sources else output(name) for name in self.inputs)

    @property
    def output_key(self) -> str:
        return f"{self.name}.json"


PAGE_STAGES: tuple[Stage, ...] = (
    Stage("rotation", "ocrflow.stages.rotation:PageRotator", "ocrflow.settings:RotationSettings",
          "ocrflow.schema.stages:RotationResult", offloadable=False, inputs=(PAGE,), turns_page=True,
          timeout_seconds=120),
    Stage("regions", "ocrflow.stages.regions:RegionDetector", "ocrflow.settings:RegionsSettings",
          "ocrflow.schema.stages:RegionsResult", offloadable=True, timeout_seconds=120),
    Stage("text_detection", "ocrflow.stages.text_detection:TextDetector",
          "ocrflow.settings:TextDetectionSettings", "ocrflow.schema.stages:DetectionResult", offloadable=True,
          memory_mb=3008),
    Stage("recognition", "ocrflow.stages.recognition:TextRecognizer", "ocrflow.settings:RecognitionSettings",
          "ocrflow.schema.stages:RecognitionResult", offloadable=True, inputs=(UPRIGHT, "text_detection"),
          reads_text=True, memory_mb=3008),
)

# The offloadable stages served together by one endpoint: one image read, one model server.
FUSED = "fused"
FUSED_STAGES: tuple[Stage, ...] = tuple(stage for stage in PAGE_STAGES if stage.offloadable)

INGEST = Function("ingest", "ocrflow.handlers.ingest.handler", "ocrflow ingest: checks and splits documents",
                  memory_mb=3008, task=f"{TASKS}:INGEST")
VALIDATION = Function("validation", "ocrflow.handlers.validation.handler",
                      "ocrflow validation: assembles, orders and checks the result", 1024, 120,
                      task=f"{TASKS}:VALIDATION")
SCORER = Function("scorer", "ocrflow.handlers.scorer.handler", "ocrflow scorer of test events", 1024, 120,
                  task=f"{TASKS}:SCORER")
STARTER = Function("starter", "ocrflow.handlers.starter.handler",
                   "ocrflow starter: one execution per document and content", 512, 30, task=f"{TASKS}:START")
DISPATCHER = Function("dispatcher", "ocrflow.handlers.endpoint.dispatcher",
                      "ocrflow dispatcher: page stage to a SageMaker asynchronous endpoint", 512, 60,
                      task=f"{TASKS}:DISPATCH")
COMPLETER = Function("completer", "ocrflow.handlers.endpoint.completer",
                     "ocrflow completer: endpoint notification back to Step Functions", 512, 60,
                     task=f"{TASKS}:COMPLETE")

TEXTRACT_API = Function("textract_api", "ocrflow.handlers.textract_api.handler",
                        "ocrflow Textract API: synchronous operations in process, jobs to the workflow", 3008, 29)
TEXTRACT_NOTIFIER = Function("textract_notifier", "ocrflow.handlers.textract_api.notifier",
                             "ocrflow Textract API notifier: job status, OutputConfig and SNS message", 1024, 60)
# What the state machine invokes directly, in the order a document meets them.
PIPELINE_FUNCTIONS: tuple[Function, ...] = (INGEST, *(s.function for s in PAGE_STAGES), VALIDATION)


TEXTRACT_FUNCTIONS: tuple[Function, ...] = (TEXTRACT_API, TEXTRACT_NOTIFIER)  # only with the Textract API on
ALL_FUNCTIONS: tuple[Function, ...] = (*PIPELINE_FUNCTIONS, SCORER, STARTER, DISPATCHER, COMPLETER,
                                       *TEXTRACT_FUNCTIONS)


def page_stage(name: str) -> Stage:
    for stage in PAGE_STAGES:
        if stage.name == name:
            return stage
    raise KeyError(f"no page stage {name!r}; known: {', '.join(s.name for s in PAGE_STAGES)}")


def stage_names() -> tuple[str, ...]:
    return tuple(stage.name for stage in PAGE_STAGES)


def text_reader() -> Stage:
    """The stage whose recogniser reads the text: the one the languages (``-l``) configure."""
    return next(stage for stage in PAGE_STAGES if stage.reads_text)


def page_turner() -> Stage:
    """The stage whose result turns the page upright for the stages that read ``UPRIGHT``."""
    return next(stage for stage in PAGE_STAGES if stage.turns_page)


def check_inputs(stages: tuple[Stage, ...] = PAGE_STAGES) -> None:
    """Every input is the page, the upright page after the turning stage, or an earlier stage."""
    earlier: set[str] = set()
    for stage in stages:
        for name in stage.inputs:
            if name == UPRIGHT and not any(s.turns_page for s in stages if s.name in earlier):
                raise ValueError(f"{stage.name} reads {UPRIGHT} before any stage turns the page")
            if name not in (PAGE, UPRIGHT) and name not in earlier:
                raise ValueError(f"{stage.name} reads {name!r}, which is no earlier stage")
        earlier.add(stage.name)


check_inputs()
