"""``python -m ocrflow``: the command line."""

from .cli import entry

entry()
