"""``python -m ocrflow.cli``: the same command line as ``ocrflow`` and ``python -m ocrflow``."""

from . import entry

entry()
