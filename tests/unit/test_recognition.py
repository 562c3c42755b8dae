"""Recognition pre- and post-processing on synthetic crops: no model needed."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from ocrflow.stages.recognition import REC_HEIGHT, LineCrop, TextRecognizer, pad_quad, resize_for_recognition


def test_resize_keeps_aspect_and_pads_to_mid_grey():
    crop = np.full((24, 60, 3), 255, np.uint8)
    blob = resize_for_recognition(crop, 200, 48)
    assert blob.shape == (3, 48, 200) and blob.dtype == np.float32
    assert blob[:, :, :120] == pytest.approx(1.0) and not blob[:, :, 120:].any()


def batches(ratios: list[float], size: int = 8, slack: int = 0, min_width: int = 48) -> list[list[int]]:
    fake = SimpleNamespace(settings=SimpleNamespace(batch_size=size, batch_width_slack=slack, min_width=min_width))
    return TextRecognizer._batches(fake, ratios)


def test_batches_only_group_crops_of_the_same_resized_width():
    assert batches([4.0, 10.0, 4.0, 4.01]) == [[0, 2], [3], [1]]
    assert batches([4.0, 10.0, 4.0, 4.01], slack=2) == [[0, 2, 3], [1]]
    assert batches([3.0] * 5, size=2) == [[0, 1], [2, 3], [4]]


def test_crops_under_the_minimum_width_batch_together():
    """They are all padded to ``min_width`` alone too, so batching them changes no reading."""
    assert batches([0.3, 5.0, 0.9, 1.0, 1.01]) == [[0, 2, 3], [4], [1]]
    assert batches([0.3, 0.9, 1.5], min_width=96) == [[0, 1, 2]]


def test_narrow_crops_read_the_same_batched_or_one_at_a_time(pipeline):
    """The floor's batches are the only ones slack 0 adds: each crop's input is what it is alone."""
    from ocrflow.stages.recognition import REC_HEIGHT as H
    from ocrflow.synthetic import render_page

    page, rendered = render_page(["A 1 B 2 C 3 Q 7 X"])
    left, top, right, bottom = rendered[0].box
    band = page[top - 6:bottom + 6]
    h = band.shape[0]
    recognizer = pipeline.stage("recognition")
    crops = [SimpleNamespace(image=np.ascontiguousarray(band[:, x:x + w])) for x, w in
             ((left, h // 2), (left + h, h // 3), (left + 2 * h, h), (left + 3 * h, (3 * h) // 4))]
    assert all(c.image.shape[1] * H <= 48 * c.image.shape[0] for c in crops)
    together = recognizer._read(crops)
    alone = [recognizer._read([c])[0] for c in crops]
    assert [(r.text, round(r.confidence, 5)) for r, _ in together] == \
        [(r.text, round(r.confidence, 5)) for r, _ in alone]


def page_with_line() -> tuple[np.ndarray, np.ndarray]:
    page = np.full((400, 600, 3), 255, np.uint8)
    page[100:130, 50:450] = 0
    return page, np.array([[50, 100], [450, 100], [450, 130], [50, 130]], np.float32)


def test_line_crop_maps_its_spans_back_to_the_page():
    page, quad = page_with_line()
    crop = LineCrop(page, quad)
    assert crop.image.shape[:2] == (30, 400) and not crop.vertical
    span = crop.span_polygon(100, 200)
    assert span[:, 0] == pytest.approx([150, 250, 250, 150], abs=0.5)
    assert span[:, 1] == pytest.approx([100, 100, 130, 130], abs=0.5)


def test_flipping_a_crop_keeps_the_mapping_right():
    page, quad = page_with_line()
    crop = LineCrop(page, quad)
    crop.flip()
    assert crop.flipped
    span = crop.span_polygon(0, 100)  # the first 100 columns of the turned crop are the line's end
    assert sorted(span[:, 0].round()) == [350, 350, 450, 450]
    crop.flip()
    assert not crop.flipped and crop.span_polygon(0, 100)[:, 0].min() == pytest.approx(50, abs=0.5)


def test_a_tall_crop_is_read_as_a_horizontal_line():
    page = np.full((600, 200, 3), 255, np.uint8)
    crop = LineCrop(page, np.array([[80, 50], [110, 50], [110, 450], [80, 450]], np.float32))
    assert crop.vertical and crop.image.shape[1] > crop.image.shape[0]
    top = crop.span_polygon(0, 10)
    assert top[:, 1].min() == pytest.approx(50, abs=1), "reading starts at the top"


def test_pad_quad_grows_inside_the_page():
    quad = np.array([[10, 10], [110, 10], [110, 30], [10, 30]], np.float32)
    grown = pad_quad(quad, 0.5, 115, 100)
    assert grown[0].tolist() == [0.0, 0.0]
    assert grown[2, 0] == 114 and grown[2, 1] == pytest.approx(40)
    assert REC_HEIGHT == 48


def test_a_line_that_reads_as_itself_turned_has_no_half_turned_reading_but_itself():
    from ocrflow.stages.recognition import half_turned

    assert half_turned("969") == "696" and half_turned("SOS") == "SOS" and half_turned("1 8") == "8 1"
    assert half_turned("2 x 9.90") is None
