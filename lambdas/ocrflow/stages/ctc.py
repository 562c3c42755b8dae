"""Greedy CTC decoding that keeps, for every character, the column it was read at.

Columns are what word boxes are made of: PP-OCR recognisers emit one column
per 8 input pixels, so a character's column is its horizontal position in the
line crop. They also put back the spaces that greedy decoding drops between
Latin words: where the Chinese-trained models see a space they often still
prefer blank, so a gap between two characters in which some column gives the
space a fair probability is a space (``space_probability``). A gap much wider
than the line's usual character pitch can be made a space too
(``space_gap_ratio``), off by default: it also splits letter-spaced words.
Letter-spaced words ("L A S  V E G A S") are the other way round: the model
puts a space in every wide gap. A line that reads as a run of single letters
is spaced again by its own pitch (``letter_spacing_ratio``): a space only where
the step from one character to the next is much wider than its usual step.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from ..inference.alphabet import ctc_alphabet, latin_columns

ALNUM_RUN = re.compile(r"[^\W_]+")


DECIMAL_PART = re.compile(r"[.,]\d")
LETTER_RUN = 3  # single letters between spaces, one after another: a letter-spaced word


def fix_digit_letter_confusions(text: str) -> str:
    """Read 0 as O inside a run of letters ("INV0ICE") and O as 0 inside a run of digits
    ("1O0"): the recogniser confuses the two glyphs, the run around them does not. A run that
    a decimal part follows ends in a number ("RM0.84", "EUR0,50"): its 0 stays a digit."""
    def fix(match: re.Match) -> str:
        run = match.group(0)
        letters = [c for c in run if c.isalpha() and c not in "Oo"]
        digits = [c for c in run if c.isdigit() and c != "0"]
        if DECIMAL_PART.match(text, match.end()):
            return run
        if "0" in run and len(letters) >= 2 and not digits:
            return run.replace("0", "O" if all(c.isupper() for c in letters) else "o")
        if ("O" in run or "o" in run) and digits and not letters:
            return run.replace("O", "0").replace("o", "0")
        return run

    return ALNUM_RUN.sub(fix, text)


@dataclass(frozen=True)
class DecodedWord:
    text: str
    confidence: float
    start: float  # in columns, inclusive
    end: float  # in columns, exclusive


@dataclass(frozen=True)
class DecodedLine:
    text: str
    confidence: float
    columns: int
    words: list[DecodedWord] = field(default_factory=list)


class CtcDecoder:
    """Index 0 is the CTC blank; the model's 'character' list follows, then a space.

    ``alphabet="latin"`` restricts decoding to Latin-script characters (the arg-max
    runs over their columns only), so a row of asterisks reads as asterisks rather
    than as look-alike CJK characters. Gathering those few hundred columns first,
    rather than masking all of a multilingual model's ~18,700, is most of what
    decoding costs.

    ``bare_letter_ratio``: an accented letter is read bare where its bare letter has at least
    this share of its probability at the column. The models put accents on capitals from specks
    above them ("JÁYA", "RÉPORTING", with the bare letter at 0.7-0.8 of the accented one); a
    printed accent wins by far more (0 keeps every accent).
    """

    def __init__(self, characters: list[str], *, alphabet: str = "latin", space_gap_ratio: float = 0.0,
                 space_probability: float = 0.0, bare_letter_ratio: float = 0.0,
                 letter_spacing_ratio: float = 0.0) -> None:
        self.alphabet = ctc_alphabet(characters)
        self.space = len(self.alphabet) - 1
        self.space_gap_ratio = space_gap_ratio
        self.space_probability = space_probability
        self.bare_letter_ratio = bare_letter_ratio
        self.letter_spacing_ratio = letter_spacing_ratio
        self.allowed: np.ndarray | None = None  # the alphabet indices decoding may choose, ascending
        if alphabet == "latin":
            self.allowed = latin_columns(self.alphabet)
        position = {c: i for i, c in enumerate(self.alphabet)}
        # alphabet index -> the index of its letter without accents, itself where there is none
        self.bare = np.array([position.get(unicodedata.normalize("NFD", c)[:1], i) if len(c) == 1 else i
                              for i, c in enumerate(self.alphabet)])

    def __call__(self, probabilities: np.ndarray, valid_columns: int) -> DecodedLine:
        probs = full = probabilities[:valid_columns]
        space = self.space if probs.shape[1] > self.space else None  # its column in ``probs``
        if self.allowed is not None:
            allowed = self.allowed[self.allowed < probs.shape[1]]
            if space is not None:  # the space's column among those kept, if it is kept
                position = int(np.searchsorted(allowed, space))
                space = position if position < len(allowed) and allowed[position] == self.space else None
            probs = probs[:, allowed]
            best = probs.argmax(axis=1)
            indices, scores = allowed[best], probs[np.arange(len(best)), best]
        else:
            indices = probs.argmax(axis=1)
            scores = probs[np.arange(len(indices)), indices]
        if self.bare_letter_ratio:
            indices = self._bare_letters(full, indices)
        keep = indices != 0
        keep[1:] &= indices[1:] != indices[:-1]
        cols = np.flatnonzero(keep)
        chars = [self.alphabet[i] if i < len(self.alphabet) else "" for i in indices[cols]]
        confs = scores[cols].astype(float)
        if self.space_probability and space is not None:
            chars, cols, confs = self._likely_spaces(chars, cols, confs, probs[:, space])
        chars, cols, confs = self._restore_spaces(chars, cols, confs)
        if self.letter_spacing_ratio:
            chars, cols, confs = self._letter_spaced(chars, cols, confs)
        fixed = fix_digit_letter_confusions("".join(chars))
        if len(fixed) == len(chars):  # alphabet entries are single characters in practice
            chars = list(fixed)
        while chars and chars[0].isspace():
            chars, cols, confs = chars[1:], cols[1:], confs[1:]
        while chars and chars[-1].isspace():
            chars, cols, confs = chars[:-1], cols[:-1], confs[:-1]
        text = unicodedata.normalize("NFC", "".join(chars))
        if not text.strip():
            return DecodedLine(text="", confidence=0.0, columns=valid_columns)
        return DecodedLine(
            text="".join(chars), confidence=float(np.mean(confs)), columns=valid_columns,
            words=self._words(chars, cols, confs, valid_columns),
        )

    def _bare_letters(self, probs: np.ndarray, indices: np.ndarray) -> np.ndarray:
        """Before repeats collapse, so that "A" then "Á" in two columns stays one letter."""
        bare = self.bare[np.minimum(indices, len(self.bare) - 1)]
        rows = np.arange(len(indices))
        swap = (bare != indices) & (bare < probs.shape[1])
        swap[swap] = probs[rows[swap], bare[swap]] >= self.bare_letter_ratio * probs[rows[swap], indices[swap]]
        return np.where(swap, bare, indices)

    def _likely_spaces(self, chars: list[str], cols: np.ndarray, confs: np.ndarray, space: np.ndarray):
        """A space where greedy decoding chose blanks but a column between two characters gives the
        space at least ``space_probability``: the model saw a gap there, only less surely than blank
        ("3 x" read as "3x", "GST ID" as "GSTID")."""
        return self._spaces_in_gaps(chars, cols, confs,
                                    lambda a, b: b - a > 1 and space[a + 1:b].max() >= self.space_probability)

    def _restore_spaces(self, chars: list[str], cols: np.ndarray, confs: np.ndarray):
        if not self.space_gap_ratio or len(chars) < 3:
            return chars, cols, confs
        glyph = [i for i, c in enumerate(chars) if not c.isspace()]
        steps = np.diff(cols[glyph])
        if len(steps) < 2:
            return chars, cols, confs
        limit = self.space_gap_ratio * float(np.median(steps))
        return self._spaces_in_gaps(chars, cols, confs, lambda a, b: b - a > limit)

    def _letter_spaced(self, chars: list[str], cols: np.ndarray, confs: np.ndarray):
        """Where the line holds a run of LETTER_RUN single letters between spaces, its spaces are
        placed again: one where the step between two characters' columns is at least
        ``letter_spacing_ratio`` times the line's median step (the letters' own pitch)."""
        tokens = "".join(chars).split(" ")
        run = best = 0
        for token in tokens:
            run = run + 1 if len(token) == 1 and token.isalpha() else 0
            best = max(best, run)
        if best < LETTER_RUN:
            return chars, cols, confs
        glyph = [i for i, c in enumerate(chars) if not c.isspace()]
        chars, cols, confs = [chars[i] for i in glyph], cols[glyph], confs[glyph]
        limit = self.letter_spacing_ratio * float(np.median(np.diff(cols)))
        return self._spaces_in_gaps(chars, cols, confs, lambda a, b: b - a >= limit)

    @staticmethod
    def _spaces_in_gaps(chars: list[str], cols: np.ndarray, confs: np.ndarray, is_space):
        """A space between two characters (neither a space) whose columns ``a``, ``b`` make
        ``is_space(a, b)`` true, at the middle column, as sure as the less sure of the two."""
        out_c, out_col, out_conf = chars[:1], list(cols[:1]), list(confs[:1])
        for i in range(1, len(chars)):
            a, b = int(cols[i - 1]), int(cols[i])
            if not chars[i].isspace() and not chars[i - 1].isspace() and is_space(a, b):
                out_c.append(" ")
                out_col.append((a + b) // 2)
                out_conf.append(min(confs[i], confs[i - 1]))
            out_c.append(chars[i])
            out_col.append(cols[i])
            out_conf.append(confs[i])
        return out_c, np.array(out_col, dtype=int), np.array(out_conf)

    @staticmethod
    def _words(chars: list[str], cols: np.ndarray, confs: np.ndarray, total: int) -> list[DecodedWord]:
        """Split at spaces; a word spans from half a character before its first column
        to half a character after its last one."""
        glyph = [i for i, c in enumerate(chars) if not c.isspace()]
        pitch = float(np.median(np.diff(cols[glyph]))) if len(glyph) > 1 else 2.0
        half = max(1.0, pitch / 2.0)
        words: list[DecodedWord] = []
        current: list[int] = []
        for i, char in enumerate([*chars, " "]):
            if char.isspace():
                if current:
                    words.append(DecodedWord(
                        text="".join(chars[j] for j in current),
                        confidence=float(np.mean(confs[current])),
                        start=max(0.0, float(cols[current[0]]) - half),
                        end=min(float(total), float(cols[current[-1]]) + half + 0.5),
                    ))
                    current = []
                continue
            current.append(i)
        return words
