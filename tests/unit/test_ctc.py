"""The CTC decoder on hand-made probability matrices (no model needed)."""

import numpy as np

from ocrflow.stages.ctc import CtcDecoder, fix_digit_letter_confusions

CHARS = list("ABCO0123日ÁÉ")


def probs(sequence: str, decoder: CtcDecoder) -> np.ndarray:
    """One column per character of ``sequence``; '_' is the blank."""
    matrix = np.full((len(sequence), len(decoder.alphabet)), 0.001, dtype=np.float32)
    for col, char in enumerate(sequence):
        index = 0 if char == "_" else decoder.alphabet.index(char)
        matrix[col, index] = 0.9
    return matrix


def test_collapses_repeats_and_blanks():
    decoder = CtcDecoder(CHARS, alphabet="all")
    line = decoder(probs("AA_B_BC__", decoder), 9)
    assert line.text == "ABBC"
    assert 0.89 < line.confidence <= 0.9


def test_words_and_columns():
    decoder = CtcDecoder(CHARS, alphabet="all")
    line = decoder(probs("A_B_ _C_1_", decoder), 10)
    assert [w.text for w in line.words] == ["AB", "C1"]
    first, second = line.words
    assert first.start < 1 and 2 < first.end <= 4
    assert 5 <= second.start < 7 and second.end <= 10


def test_restores_a_dropped_space_from_a_wide_gap():
    decoder = CtcDecoder(CHARS, alphabet="all", space_gap_ratio=2.2)
    assert decoder(probs("A_B_C________A_B_C", decoder), 18).text == "ABC ABC"
    assert decoder(probs("A_B_C__A_B_C", decoder), 12).text == "ABCABC"


def test_a_space_the_model_saw_but_ranked_below_blank_is_kept():
    for alphabet in ("latin", "all"):
        decoder = CtcDecoder(CHARS, alphabet=alphabet, space_probability=0.1)
        matrix = probs("3__A_B", decoder)
        assert decoder(matrix, 6).text == "3AB"
        matrix[2, decoder.space] = 0.3  # blank (0.9) still wins the column
        line = decoder(matrix, 6)
        assert line.text == "3 AB" and [w.text for w in line.words] == ["3", "AB"], alphabet
        matrix[2, decoder.space] = 0.05
        assert decoder(matrix, 6).text == "3AB"
    assert CtcDecoder(CHARS, alphabet="latin")(probs("3__A", decoder), 4).text == "3A"  # 0: off


def test_an_accent_the_bare_letter_nearly_matches_is_read_bare():
    decoder = CtcDecoder(CHARS, alphabet="latin", bare_letter_ratio=0.3)
    matrix = probs("BÁ_Á_É", decoder)
    matrix[1, decoder.alphabet.index("A")] = 0.5  # a speck above an A
    matrix[3, decoder.alphabet.index("A")] = 0.1  # a printed accent
    assert decoder(matrix, 6).text == "BAÁÉ"
    matrix[2] = matrix[1]  # the same glyph over two columns, once as Á and once as A: one A
    matrix[2, decoder.alphabet.index("A")] = 0.95
    assert decoder(matrix, 6).text == "BAÁÉ"
    assert CtcDecoder(CHARS, alphabet="latin")(matrix, 6).text == "BÁAÁÉ"  # 0: every accent kept


def test_latin_alphabet_masks_other_scripts():
    decoder = CtcDecoder(CHARS, alphabet="latin")
    matrix = probs("A_日_", decoder)
    matrix[2, decoder.alphabet.index("B")] = 0.05  # the runner-up of the CJK column
    assert decoder(matrix, 4).text == "AB"
    assert CtcDecoder(CHARS, alphabet="all")(probs("A_日_", decoder), 4).text == "A日"


def test_empty_line():
    decoder = CtcDecoder(CHARS)
    line = decoder(probs("____", decoder), 4)
    assert line.text == "" and line.words == []


def test_digit_letter_confusions():
    assert fix_digit_letter_confusions("INV0ICE 2O26 P01 A0") == "INVOICE 2026 P01 A0"
    # the integer part of an amount after a currency code stays a number
    assert fix_digit_letter_confusions("RM0.84 -RM0.02 EUR0,50 T0TAL.") == "RM0.84 -RM0.02 EUR0,50 TOTAL."


def test_a_letter_spaced_line_is_spaced_by_its_own_pitch():
    decoder = CtcDecoder(CHARS, alphabet="all", letter_spacing_ratio=1.6)
    spaced = "A__ __B__ __C__ ________A__ __B__ __C"  # the model put a space in every gap
    assert decoder(probs(spaced, decoder), len(spaced)).text == "ABC ABC"
    words = "A_B__ __C__ ________A_B"  # no run of three single letters: left as read
    assert decoder(probs(words, decoder), len(words)).text == "AB C AB"
    off = CtcDecoder(CHARS, alphabet="all")
    assert off(probs(spaced, off), len(spaced)).text == "A B C A B C"
