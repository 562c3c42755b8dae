"""Model registry and the one onnxruntime session wrapper."""

from .registry import ModelRegistry, ModelSpec
from .session import OnnxModel

__all__ = ["ModelRegistry", "ModelSpec", "OnnxModel"]
