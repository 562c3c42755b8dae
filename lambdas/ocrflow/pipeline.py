"""The page stages composed in process, without any orchestration.

The same stages in the same order as the state machine's page states (the
registry's), fed by the same rule (``Stage.arguments``); the Python API, the
tests and the benchmarks call it, and the state machine's overhead is measured
against it.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .registry import PAGE_STAGES, page_turner
from .schema.document import Page
from .settings import ValidationSettings
from .stages.rotation import upright
from .stages.validation import PageAssembler
from .tasks.context import StageCache


@dataclass
class StageTimer:
    milliseconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        yield
        self.milliseconds[stage] = self.milliseconds.get(stage, 0.0) + (time.perf_counter() - start) * 1e3


class PagePipeline:
    """``settings`` by stage name (``text_detection=TextDetectionSettings(...)``); stages are built
    once, on first use, and shared with any other user of the same ``StageCache``."""

    def __init__(self, *, validation: ValidationSettings | None = None, stages: StageCache | None = None,
                 **settings: Any) -> None:
        self.stages = stages or StageCache()
        self.overrides = {name: s.model_dump() if hasattr(s, "model_dump") else dict(s)
                          for name, s in settings.items() if s is not None}
        self.assemble = PageAssembler(validation)

    def stage(self, name: str):
        return self.stages.get(name, self.overrides.get(name))

    @property
    def models(self) -> dict[str, str]:
        return {stage.name: self.stage(stage.name).settings.model for stage in PAGE_STAGES}

    def run_stages(self, image: np.ndarray, timer: StageTimer | None = None) -> dict[str, Any]:
        timer = timer or StageTimer()
        outputs: dict[str, Any] = {}
        turned: list[np.ndarray] = []

        def upright_page() -> np.ndarray:
            if not turned:
                turned.append(upright(image, outputs[page_turner().name]))
            return turned[0]

        for stage in PAGE_STAGES:
            with timer(stage.name):
                outputs[stage.name] = self.stage(stage.name)(
                    *stage.arguments(lambda: image, upright_page, outputs.__getitem__))
        return outputs

    def __call__(self, image: np.ndarray, number: int = 1, timer: StageTimer | None = None) -> Page:
        timer = timer or StageTimer()
        outputs = self.run_stages(image, timer)
        with timer("validation"):
            return self.assemble(number, outputs)
