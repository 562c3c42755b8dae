"""Where each page stage runs: its Lambda function (the default) or a SageMaker endpoint, per
stage or fused into one endpoint. ``BACKENDS`` is the registry of runtimes (one ``Backend`` class
per file); ``Backends`` is one configuration of them.

Written as CDK context ``ocrflow:stage_backends`` (``{"<stage>": "sagemaker_async"}``,
``{"fused": "sagemaker_realtime"}``) and as ``ocrflow run --stage-backend NAME=BACKEND``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from ...registry import FUSED, FUSED_STAGES, PAGE_STAGES, Function
from .base import Backend, CostEntry, Endpoint, Step
from .lambda_function import LambdaBackend
from .sagemaker_async import SageMakerAsync
from .sagemaker_realtime import SageMakerRealtime

BACKENDS: dict[str, Backend] = {backend.name: backend for backend in (
    LambdaBackend(), SageMakerAsync(), SageMakerRealtime())}
LAMBDA = LambdaBackend.name
SAGEMAKER_ASYNC = SageMakerAsync.name

__all__ = ["BACKENDS", "LAMBDA", "SAGEMAKER_ASYNC", "Backend", "Backends", "CostEntry", "Endpoint", "Step"]


@dataclass(frozen=True)
class Backends:
    """``choices``: (stage name or "fused", backend name) for every step off Lambda, sorted."""

    choices: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, value: Mapping[str, str] | Iterable[str] | None) -> "Backends":
        """A mapping, or ``NAME=BACKEND`` strings; unknown names and backends are refused."""
        if not value:
            return cls()
        pairs = value.items() if isinstance(value, Mapping) else (item.split("=", 1) for item in value)
        offloadable = {s.name for s in PAGE_STAGES if s.offloadable}
        chosen: dict[str, str] = {}
        for name, backend in pairs:
            if backend not in BACKENDS:
                raise ValueError(f"unknown backend {backend!r} for {name}; use one of {', '.join(BACKENDS)}")
            if name not in offloadable | {FUSED}:
                raise ValueError(f"{name!r} cannot leave Lambda; offloadable: {', '.join(sorted(offloadable))}"
                                 f" or {FUSED}")
            if backend != LAMBDA:
                chosen[name] = backend
        if FUSED in chosen and set(chosen) - {FUSED}:
            raise ValueError(f"{FUSED} already runs {', '.join(s.name for s in FUSED_STAGES)}; "
                             "do not switch them one by one as well")
        return cls(tuple(sorted(chosen.items())))

    def backend_of(self, key: str) -> Backend:
        return BACKENDS[dict(self.choices).get(key, LAMBDA)]

    def page_steps(self) -> list[Step]:
        """The page states in order, each with the backend that runs it."""
        fused, steps = FUSED in dict(self.choices), list[Step]()
        for stage in PAGE_STAGES:
            if fused and stage in FUSED_STAGES:
                if not any(step.key == FUSED for step in steps):
                    steps.append(Step(FUSED, self.backend_of(FUSED)))
                continue
            steps.append(Step(stage.name, self.backend_of(stage.name)))
        return steps

    @property
    def endpoints(self) -> tuple[Step, ...]:
        """The steps a SageMaker endpoint serves: the fused one first, then the stages in order."""
        steps = sorted(self.page_steps(), key=lambda step: step.key != FUSED)
        return tuple(step for step in steps if step.backend.on_endpoint)

    def in_use(self) -> tuple[Backend, ...]:
        """Each backend some step runs on, in the order of the steps."""
        return tuple(dict.fromkeys(step.backend for step in self.page_steps()))

    @property
    def waits_for_callback(self) -> bool:
        return any(backend.waits_for_callback for backend in self.in_use())

    def functions(self) -> tuple[Function, ...]:
        """The Lambda functions the page states invoke, in order, each once."""
        return tuple(dict.fromkeys(f for step in self.page_steps() for f in step.backend.functions(step)))

    def support_functions(self) -> tuple[Function, ...]:
        return tuple(dict.fromkeys(f for backend in self.in_use() for f in backend.support_functions()))

    def as_dict(self) -> dict[str, str]:
        return dict(self.choices)

    @property
    def label(self) -> str:
        return "+".join(key if backend == SAGEMAKER_ASYNC else f"{key}:{backend}"
                        for key, backend in self.choices) or LAMBDA
