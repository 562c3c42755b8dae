"""Where each page stage runs: its Lambda function (the default) or a SageMaker
asynchronous endpoint, per stage or fused into one endpoint.

Written as CDK context ``ocrflow:stage_backends`` (``{"text_detection": "sagemaker_async"}``,
``{"fused": "sagemaker_async"}``) and as ``ocrflow run --stage-backend NAME=BACKEND``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from ..registry import FUSED, FUSED_STAGES, PAGE_STAGES, Stage, camel

LAMBDA = "lambda"
SAGEMAKER_ASYNC = "sagemaker_async"
BACKENDS = (LAMBDA, SAGEMAKER_ASYNC)


@dataclass(frozen=True)
class Endpoint:
    """One SageMaker asynchronous endpoint: a stage's own, or the fused one."""

    key: str  # a stage name or "fused"

    @property
    def stages(self) -> tuple[Stage, ...]:
        return FUSED_STAGES if self.key == FUSED else tuple(s for s in PAGE_STAGES if s.name == self.key)

    @property
    def state(self) -> str:
        return camel(self.key)

    @property
    def substitution(self) -> str:
        return f"{camel(self.key)}EndpointName"


@dataclass(frozen=True)
class Backends:
    offloaded: frozenset[str] = frozenset()  # stage names, or {"fused"}

    @classmethod
    def parse(cls, value: Mapping[str, str] | Iterable[str] | None) -> "Backends":
        """A mapping, or ``NAME=BACKEND`` strings; unknown names and backends are refused."""
        if not value:
            return cls()
        pairs = value.items() if isinstance(value, Mapping) else (item.split("=", 1) for item in value)
        offloadable = {s.name for s in PAGE_STAGES if s.offloadable}
        offloaded = set()
        for name, backend in pairs:
            if backend not in BACKENDS:
                raise ValueError(f"unknown backend {backend!r} for {name}; use one of {', '.join(BACKENDS)}")
            if name not in offloadable | {FUSED}:
                raise ValueError(f"{name!r} cannot leave Lambda; offloadable: {', '.join(sorted(offloadable))}"
                                 f" or {FUSED}")
            if backend == SAGEMAKER_ASYNC:
                offloaded.add(name)
        if FUSED in offloaded and offloaded - {FUSED}:
            raise ValueError(f"{FUSED} already runs {', '.join(s.name for s in FUSED_STAGES)}; "
                             "do not switch them one by one as well")
        return cls(frozenset(offloaded))

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        order = [FUSED, *(s.name for s in PAGE_STAGES)]
        return tuple(Endpoint(key) for key in order if key in self.offloaded)

    def page_steps(self) -> list[tuple[str, Endpoint | None]]:
        """The page states in order: (stage name or "fused", its endpoint or None for Lambda)."""
        steps: list[tuple[str, Endpoint | None]] = []
        for stage in PAGE_STAGES:
            if FUSED in self.offloaded and stage in FUSED_STAGES:
                if not any(name == FUSED for name, _ in steps):
                    steps.append((FUSED, Endpoint(FUSED)))
                continue
            steps.append((stage.name, Endpoint(stage.name) if stage.name in self.offloaded else None))
        return steps

    def as_dict(self) -> dict[str, str]:
        return {name: SAGEMAKER_ASYNC for name in sorted(self.offloaded)}

    @property
    def label(self) -> str:
        return "+".join(sorted(self.offloaded)) or LAMBDA
