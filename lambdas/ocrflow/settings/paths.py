"""Where ocrflow keeps files on a machine: the user's cache, and the model directory in it."""

from __future__ import annotations

import os
from pathlib import Path


def cache_home() -> Path:
    """``$XDG_CACHE_HOME/ocrflow``, else ``~/.cache/ocrflow``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ocrflow"


def default_model_dir() -> Path:
    """``OCRFLOW_MODEL_DIR``, else the user's cache (where ``ocrflow models fetch`` puts them)."""
    configured = os.environ.get("OCRFLOW_MODEL_DIR")
    return Path(configured) if configured else cache_home() / "models"


def asl_cache_dir() -> Path:
    """``OCRFLOW_ASL_CACHE``, else ``asl`` in the user's cache: the local stack's parsed definitions."""
    configured = os.environ.get("OCRFLOW_ASL_CACHE")
    return Path(configured) if configured else cache_home() / "asl"
