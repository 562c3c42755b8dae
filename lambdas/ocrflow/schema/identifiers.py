"""A document id from outside, checked before it is logged, stored or republished.

Upstream may send any JSON value where the id belongs (a megabyte string, a control character,
an object). Only an id the event contract accepts is ever written anywhere as an id; anything
else is reported under ``UNKNOWN_ID`` with a short, escaped excerpt of what came.
"""

from __future__ import annotations

import re
import reprlib
from typing import Any

from .events import DOCUMENT_ID_PATTERN

DOCUMENT_ID = re.compile(DOCUMENT_ID_PATTERN)
UNKNOWN_ID = "unknown"
EXCERPT = reprlib.Repr()
EXCERPT.maxstring = EXCERPT.maxother = 48
EXCERPT.maxlist = EXCERPT.maxdict = 3
EXCERPT.maxlevel = 2
EXCERPT_CHARS = 80


def checked_document_id(value: Any) -> str | None:
    """``value`` when it is a valid document id, else None."""
    return value if isinstance(value, str) and DOCUMENT_ID.fullmatch(value) else None


def excerpt(value: Any) -> str:
    """At most ~60 printable ASCII characters saying what a value was: safe in a log line or event."""
    text = EXCERPT.repr(value).encode("ascii", "backslashreplace").decode("ascii")
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS - 3] + "..."
