"""One onnxruntime session wrapper, with its settings injected.

Sessions are cached per (file, threads, providers): a Lambda container or a
SageMaker worker builds each model once and reuses it for every request.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import onnxruntime as ort

from ..errors import ModelError
from ..settings import InferenceSettings
from .models import ModelRegistry

_CACHE: dict[tuple, "OnnxModel"] = {}
_LOCK = threading.Lock()


class OnnxModel:
    """A loaded model: ``run`` feeds one input and returns every output."""

    # onnxruntime's CPU arena keeps the largest buffers any run asked for, per session, for the
    # process's life: right for a Lambda container (one request at a time, 4-8 % faster here), not
    # for a long-lived process reading pages of every size. The daemon turns it off (cli/daemon_server.py).
    memory_arena = True

    def __init__(self, path: Path, *, threads: int, providers: tuple[str, ...]) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        options.enable_cpu_mem_arena = self.memory_arena
        # Spinning worker threads would compete with the other threads of a process
        # (a Lambda runtime, the local state machine) for two cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        available = set(ort.get_available_providers())
        # CUDA where this onnxruntime build and machine have it (a GPU endpoint), else the CPU.
        chosen = [p for p in providers if p in available] or ["CPUExecutionProvider"]
        try:
            self.session = ort.InferenceSession(str(path), options, providers=chosen)
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"model file {path} cannot be loaded: {exc}") from exc
        self.path = path
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.metadata = dict(self.session.get_modelmeta().custom_metadata_map)

    @classmethod
    def load(cls, name: str, settings: InferenceSettings) -> "OnnxModel":
        path = ModelRegistry(settings.model_dir).path(name)
        key = (str(path), settings.threads, tuple(settings.providers))
        with _LOCK:
            if key not in _CACHE:
                _CACHE[key] = cls(path, threads=settings.threads, providers=key[2])
            return _CACHE[key]

    def labels(self) -> list[str]:
        """The class or character list that PaddleOCR exports store in the 'character' metadata."""
        text = self.metadata.get("character")
        if text is None:
            raise ModelError(f"model file {self.path} has no 'character' metadata")
        return text.splitlines()

    @property
    def provider(self) -> str:
        return self.session.get_providers()[0]

    def run(self, batch: np.ndarray) -> list[np.ndarray]:
        return self.session.run(None, {self.input_names[0]: batch})


def loaded_providers() -> dict[str, str]:
    """Each loaded model file and the execution provider that runs it (CUDA or CPU)."""
    with _LOCK:
        return {model.path.name: model.provider for model in _CACHE.values()}
