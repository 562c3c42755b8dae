"""What a task needs from the process it runs in: the object store and the built stages."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from ..registry import load, page_stage
from ..storage import ObjectStore


class StageCache:
    """Stage objects built on first use and kept for the life of the process (a Lambda
    container, an endpoint worker, a local run): model sessions load once.

    ``settings`` are fields by stage name on top of the environment's, given where the process
    starts (a server's model directory, ``-l``'s recogniser); ``overrides`` are a stage's on top of
    those (a variant's overlay); each distinct overlay is its own stage object.
    """

    def __init__(self, settings: dict[str, dict[str, Any]] | None = None) -> None:
        self.settings = {name: dict(fields) for name, fields in (settings or {}).items()}
        self._built: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, name: str, overrides: dict | None = None) -> Any:
        key = (name, json.dumps(overrides or {}, sort_keys=True, default=str))
        with self._lock:
            if key not in self._built:
                stage = page_stage(name)
                settings = load(stage.settings)(**{**self.settings.get(name, {}), **(overrides or {})})
                self._built[key] = load(stage.core)(settings)
            return self._built[key]

    def warm(self, names: list[str]) -> None:
        """Build stages ahead of the first request (a server's /ping answers after this)."""
        for name in names:
            self.get(name)


@dataclass
class TaskContext:
    store: ObjectStore = field(default_factory=ObjectStore)
    stages: StageCache = field(default_factory=StageCache)
    clients: dict[str, Any] = field(default_factory=dict)  # injected AWS clients, e.g. an endpoint emulator
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @property
    def invocation(self) -> Any:
        """The runtime's context object of the invocation in progress on this thread (a Lambda
        context: remaining time, request id), if the adapter handed one over."""
        return getattr(self._local, "invocation", None)

    @invocation.setter
    def invocation(self, value: Any) -> None:
        self._local.invocation = value

    def client(self, service: str, config: Any = None) -> Any:
        """An injected client, else the store's lazily created boto3 client for ``service``."""
        return self.clients.get(service) or self.store.client_for(service, config)
