"""A CTC recogniser's classes and which of them are Latin script.

Shared by the decoder (``stages/ctc.py``), which reads only the Latin columns, and by the
model derivation (``derive.py``), which cuts the others out of the recogniser's head: both
must agree on the same columns.
"""

from __future__ import annotations

import numpy as np

# Blocks of the Latin-script profile (what Textract's DetectDocumentText reads).
LATIN_BLOCKS = ((0x20, 0x7E), (0xA0, 0x24F), (0x1E00, 0x1EFF), (0x2000, 0x206F),
                (0x20A0, 0x20CF), (0x2100, 0x214F))
# Look-alikes that the multilingual models prefer but Latin documents print as letters.
LATIN_EXCLUDED = {"\u00d7", "\u00f7"}  # multiplication and division signs, read as x and +


def is_latin(char: str) -> bool:
    if char in LATIN_EXCLUDED:
        return False
    return all(any(lo <= ord(c) <= hi for lo, hi in LATIN_BLOCKS) for c in char)


def ctc_alphabet(characters: list[str]) -> list[str]:
    """Index 0 is the CTC blank; the model's 'character' list follows, then a space."""
    return ["<blank>", *characters, " "]


def latin_columns(alphabet: list[str]) -> np.ndarray:
    """The alphabet indices a Latin-only reading may choose (the blank and the Latin characters), ascending."""
    return np.flatnonzero([i == 0 or is_latin(c) for i, c in enumerate(alphabet)])
