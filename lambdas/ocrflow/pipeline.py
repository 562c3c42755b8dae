"""The five stages composed in process, without any orchestration.

This is the reference the state machine is measured against (its overhead is
the difference), and what tests and the benchmark call directly.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .schema.document import Page
from .settings import (
    RecognitionSettings,
    RegionsSettings,
    RotationSettings,
    TextDetectionSettings,
    ValidationSettings,
)
from .stages.recognition import TextRecognizer
from .stages.regions import RegionDetector
from .stages.rotation import PageRotator, upright
from .stages.text_detection import TextDetector
from .stages.validation import PageAssembler


@dataclass
class StageTimer:
    milliseconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        yield
        self.milliseconds[stage] = self.milliseconds.get(stage, 0.0) + (time.perf_counter() - start) * 1e3


class PagePipeline:
    def __init__(
        self, *, rotation: RotationSettings | None = None, regions: RegionsSettings | None = None,
        detection: TextDetectionSettings | None = None, recognition: RecognitionSettings | None = None,
        validation: ValidationSettings | None = None,
    ) -> None:
        self.rotate = PageRotator(rotation)
        self.find_regions = RegionDetector(regions)
        self.detect_text = TextDetector(detection)
        self.recognize = TextRecognizer(recognition)
        self.assemble = PageAssembler(validation)

    @property
    def models(self) -> dict[str, str]:
        return {
            "rotation": self.rotate.settings.model, "regions": self.find_regions.settings.model,
            "text_detection": self.detect_text.settings.model,
            "recognition": self.recognize.settings.model,
        }

    def __call__(self, image: np.ndarray, number: int = 1, timer: StageTimer | None = None) -> Page:
        timer = timer or StageTimer()
        with timer("rotation"):
            rotation = self.rotate(image)
            page = upright(image, rotation)
        with timer("regions"):
            regions = self.find_regions(page)
        with timer("text_detection"):
            detection = self.detect_text(page)
        with timer("recognition"):
            recognition = self.recognize(page, detection.lines)
        with timer("validation"):
            return self.assemble(number, rotation, regions, recognition)
