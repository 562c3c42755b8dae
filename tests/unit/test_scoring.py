"""Scoring on hand-checked cases."""

import pytest

from ocrflow.evaluation.scoring import ScoredLine, aggregate, edit_distance, normalize, score_page

SHAPE = (1000, 1000)


def line(text, l, t, r, b, ignore=False):
    return ScoredLine(text=text, polygon=[(l, t), (r, t), (r, b), (l, b)], ignore=ignore)


def test_normalize_uppercases_and_applies_nfkc():
    assert normalize("  ｆｕｌｌ\u3000width  Ⅸ ") == "FULL WIDTH IX"


def test_edit_distance():
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("", "abc") == 3


def test_perfect_page():
    truth = [line("Total 9.99", 0, 0, 200, 20), line("Tax 1.00", 0, 30, 200, 50)]
    s = score_page(truth, truth, SHAPE)
    assert s["word"]["f1"] == 1.0 and s["line_cer"] == 0.0
    assert s["detection_recall"] == 1.0 and s["detection_precision"] == 1.0


def test_word_f1_is_a_bag_of_words_and_case_blind():
    truth = [line("TOTAL 9.99", 0, 0, 200, 20)]
    pred = [line("total", 0, 0, 90, 20), line("9.90", 100, 0, 200, 20)]
    s = score_page(truth, pred, SHAPE)
    assert s["word"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_alphanumeric_tokens_measure_reading_not_punctuation_spacing():
    truth = [line("TEL : 03-8024 1212", 0, 0, 300, 20)]
    spaced_as_printed = [line("Tel: 03-8024 1212", 0, 0, 300, 20)]
    s = score_page(truth, spaced_as_printed, SHAPE)
    assert s["word"]["f1"] == pytest.approx(2 * (2 / 3) * (2 / 4) / (2 / 3 + 2 / 4))  # ':' and 'TEL:' differ
    assert s["alnum"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}  # TEL 03 8024 1212 each side
    misread = score_page(truth, [line("TEL: 03-8O24 1212", 0, 0, 300, 20)], SHAPE)
    assert misread["alnum"]["f1"] == 0.75 and misread["alnum_tp"] == 3  # 8O24 is a reading error


def test_line_cer_matches_at_iou_half_and_counts_unmatched_truth_as_deleted():
    truth = [line("ABCD", 0, 0, 100, 20), line("EFGH", 0, 100, 100, 120)]
    pred = [line("ABXD", 0, 0, 100, 20), line("EFGH", 0, 300, 100, 320)]  # second misplaced
    s = score_page(truth, pred, SHAPE)
    assert s["lines_matched"] == 1
    assert s["line_cer"] == pytest.approx((1 + 4) / 8)


def test_empty_prediction_and_empty_truth():
    truth = [line("HELLO", 0, 0, 100, 20)]
    empty_pred = score_page(truth, [], SHAPE)
    assert empty_pred["word"] == {"precision": 1.0, "recall": 0.0, "f1": 0.0}
    assert empty_pred["line_cer"] == 1.0
    assert empty_pred["detection_recall"] == 0.0 and empty_pred["detection_precision"] == 1.0
    empty_truth = score_page([], truth, SHAPE)
    assert empty_truth["word"] == {"precision": 0.0, "recall": 1.0, "f1": 0.0}
    both = score_page([], [], SHAPE)
    assert both["word"]["f1"] == 1.0


def test_incomplete_truth_lines_are_left_out():
    truth = [line("KEEP", 0, 0, 100, 20), line("HALF A LINE", 0, 50, 300, 70, ignore=True)]
    s = score_page(truth, [line("KEEP", 0, 0, 100, 20)], SHAPE)
    assert s["word"]["f1"] == 1.0 and s["lines_gt"] == 1


def test_detection_coverage_is_area_based():
    truth = [line("A", 0, 0, 100, 20)]
    assert score_page(truth, [line("A", 0, 0, 60, 20)], SHAPE)["detection_recall"] == 1.0
    assert score_page(truth, [line("A", 0, 0, 40, 20)], SHAPE)["detection_recall"] == 0.0


def test_aggregate_is_micro_averaged():
    a = score_page([line("A B", 0, 0, 10, 10)], [line("A B", 0, 0, 10, 10)], SHAPE)
    b = score_page([line("C D E F", 0, 0, 10, 10)], [], SHAPE)
    total = aggregate([a, b])
    assert total["word"]["recall"] == pytest.approx(2 / 6)
    assert total["word_f1_mean"] == pytest.approx(0.5)
