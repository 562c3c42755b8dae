"""What each step of the pipeline does, whatever runs it.

A task reads its inputs from the object store, runs pure stage code and writes
its output. The store and the built stages come in a ``TaskContext``, so the
Lambda adapters (``ocrflow.handlers``), the SageMaker server (``ocrflow.serving``)
and the local runner (``ocrflow.local``) wrap the very same functions.
"""

from .context import StageCache, TaskContext

__all__ = ["StageCache", "TaskContext"]
