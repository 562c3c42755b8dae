"""Every setting of ocrflow, in one place: each is an object read from ``OCRFLOW_*`` environment
variables once, where a process starts (a Lambda handler's module, a CLI command, a server), and
passed down from there; no code below that edge reads the environment or writes it.

Config flows one way: CDK context -> construct props -> Lambda environment -> these objects. The
registry names the stages' classes by their path here (``ocrflow.settings:RotationSettings``).
"""

from __future__ import annotations

from .functions import EndpointSettings, PageFunctionSettings, ScorerSettings, StarterSettings, WorkSettings
from .serving import ServeSettings
from .paths import asl_cache_dir, cache_home, default_model_dir
from .stages import (
    InferenceSettings,
    IngestSettings,
    RecognitionSettings,
    RegionsSettings,
    RotationSettings,
    TextDetectionSettings,
    ValidationSettings,
    VariantsSettings,
)
from .textract_api import ApiSettings

__all__ = [
    "ApiSettings", "EndpointSettings", "InferenceSettings", "IngestSettings",
    "PageFunctionSettings", "RecognitionSettings", "RegionsSettings", "RotationSettings", "ScorerSettings",
    "ServeSettings", "StarterSettings", "TextDetectionSettings", "ValidationSettings", "VariantsSettings",
    "WorkSettings", "asl_cache_dir", "cache_home", "default_model_dir",
]
