"""The five stages on documents rendered here, with exactly known text and geometry."""

from __future__ import annotations

import numpy as np
import pytest

from ocrflow.geometry import bounding_box, box_iou, quarter_turn
from ocrflow.schema.document import Page
from ocrflow.synthetic import render_page, rotate_page, skew_page


def texts(page: Page) -> list[str]:
    return [line.text for line in page.lines]


def test_upright_page_reads_exactly(pipeline, letter_page):
    image, truth = letter_page
    page = pipeline(image)
    assert texts(page) == [t.text for t in truth]
    assert page.rotation.angle == 0 and page.rotation.skew_degrees == 0.0
    assert page.status == "ok" and page.mean_confidence > 0.9


def test_paragraphs_follow_blank_lines(pipeline, letter_page):
    page = pipeline(letter_page[0])
    assert [line.paragraph for line in page.lines] == [0, 1, 1, 1, 2, 2, 3]
    assert [len(p.line_ids) for p in page.paragraphs] == [1, 3, 2, 1]


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_rotated_page_is_turned_back_and_geometry_stays_in_input_pixels(pipeline, letter_page, turn):
    image, truth = letter_page
    rotated = rotate_page(image, turn)
    page = pipeline(rotated)
    assert page.rotation.angle == (360 - turn) % 360
    assert texts(page) == [t.text for t in truth]
    assert (page.width, page.height) == (rotated.shape[1], rotated.shape[0])
    to_rotated = quarter_turn(turn, image.shape[1], image.shape[0])
    for line, expected in zip(page.lines, truth):
        l, t, r, b = expected.box
        want = bounding_box(to_rotated.apply(np.array([[l, t], [r, b]])))
        assert box_iou(bounding_box(np.array(line.polygon)), want) > 0.6, line.text


@pytest.mark.parametrize("degrees", [-4.0, 2.5, 6.0])
def test_skewed_page_is_measured_and_read(pipeline, letter_page, degrees):
    image, truth = letter_page
    page = pipeline(skew_page(image, degrees))
    assert page.rotation.skew_degrees == pytest.approx(degrees, abs=0.35)
    assert texts(page) == [t.text for t in truth]


def test_word_boxes_split_the_line_left_to_right(pipeline, letter_page):
    page = pipeline(letter_page[0])
    for line in page.lines:
        assert " ".join(w.text for w in line.words) == line.text
        l, t, r, b = bounding_box(np.array(line.polygon))
        lefts = []
        for word in line.words:
            wl, wt, wr, wb = bounding_box(np.array(word.polygon))
            assert l - 3 <= wl < wr <= r + 3 and t - 3 <= wt < wb <= b + 3
            lefts.append(wl)
        assert lefts == sorted(lefts)


def test_word_boxes_hit_the_rendered_words(pipeline):
    from PIL import Image, ImageDraw, ImageFont

    from ocrflow.synthetic import font_path

    text = "alpha beta gamma delta"
    image, _ = render_page([text], font_size=40)  # drawn at x = margin = 90
    page = pipeline(image)
    face = ImageFont.truetype(str(font_path()), 40)
    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    for word, got in zip(text.split(), page.lines[0].words):
        left = 90 + draw.textlength(text[: text.index(word)], font=face)
        right = left + draw.textlength(word, font=face)
        gl, _, gr, _ = bounding_box(np.array(got.polygon))
        assert got.text == word
        overlap = min(gr, right) - max(gl, left)
        assert overlap > 0.7 * (right - left), (word, gl, gr, left, right)


def test_regions_label_lines_but_never_remove_them(pipeline, letter_page):
    page = pipeline(letter_page[0])
    assert page.regions, "the layout model finds regions on a printed page"
    assert {r.label for r in page.regions} <= {
        "text", "title", "figure", "figure_caption", "table", "table_caption", "header",
        "footer", "reference", "equation", "list"}
    assert any(line.region is not None for line in page.lines)
    assert len(page.lines) == 7


def test_a_lone_word_on_a_large_blank_page_is_read(pipeline):
    """On the whole page the detector's map of a small isolated word stays below threshold (RapidOCR
    misses it too); detected on its inked region, it is found."""
    word, _ = render_page(["Signed 17"], width=260, margin=10, font_size=36)
    big = np.full((2339, 1654, 3), 255, dtype=np.uint8)
    big[1650 : 1650 + word.shape[0], 880 : 880 + word.shape[1]] = word
    page = pipeline(big)
    assert texts(page) == ["Signed 17"] and page.status == "ok"
    l, t, r, b = bounding_box(np.array(page.lines[0].polygon))
    assert 880 <= l and r <= 880 + word.shape[1] and 1650 <= t and b <= 1650 + word.shape[0]


def test_blank_page_is_empty_not_an_error(pipeline):
    page = pipeline(np.full((800, 600, 3), 255, dtype=np.uint8))
    assert page.lines == [] and page.status == "needs_review"
    assert [f.code for f in page.findings] == ["EMPTY_PAGE"]


def test_sideways_margin_number_is_read(pipeline):
    """A document number printed sideways in the margin, as on the FUNSD forms."""
    import cv2

    body, _ = render_page(["Invoice for services rendered", "in November"], width=1000)
    number, _ = render_page(["82092117"], width=320, margin=10, font_size=26)
    number = cv2.rotate(number[:, :200], cv2.ROTATE_90_CLOCKWISE)
    page = np.full((body.shape[0] + 300, body.shape[1] + 80, 3), 255, dtype=np.uint8)
    page[: body.shape[0], : body.shape[1]] = body
    page[60 : 60 + number.shape[0], -70 : -70 + number.shape[1]] = number
    result = pipeline(page)
    assert "82092117" in texts(result)
    (sideways,) = [line for line in result.lines if line.text == "82092117"]
    l, t, r, b = bounding_box(np.array(sideways.polygon))
    assert b - t > 3 * (r - l), "the line stands upright on the page"
    for word in sideways.words:  # word boxes map back onto the sideways line, top to bottom
        wl, wt, wr, wb = bounding_box(np.array(word.polygon))
        assert l - 2 <= wl and wr <= r + 2 and t - 2 <= wt < wb <= b + 2


def test_a_line_pasted_upside_down_on_an_upright_page_is_read_turned(pipeline):
    """The text-line classifier and the second reading: the page stays upright, the line turns."""
    import cv2

    body, _ = render_page(["Invoice for services rendered", "in November of this year",
                           "payable within thirty days", "to the account named below",
                           "quoting the invoice number"], width=1000)
    stamp, _ = render_page(["RECEIVED 12 MAR 2024"], width=500, margin=10)
    page = np.full((body.shape[0] + 120, body.shape[1], 3), 255, dtype=np.uint8)
    page[: body.shape[0]] = body
    page[body.shape[0] + 20 : body.shape[0] + 20 + stamp.shape[0], 100 : 100 + stamp.shape[1]] = (
        cv2.rotate(stamp, cv2.ROTATE_180))
    result = pipeline(page)
    assert result.rotation.angle == 0
    assert "RECEIVED 12 MAR 2024" in texts(result)
    assert "Invoice for services rendered" in texts(result)


def test_big_scan_is_processed_at_full_size(pipeline):
    image, truth = render_page(["TOTAL 64.49", "THANK YOU"], width=4961, font_size=160, margin=600)
    big = np.full((7016, 4961, 3), 255, dtype=np.uint8)
    big[: image.shape[0]] = image
    page = pipeline(big)
    assert texts(page) == ["TOTAL 64.49", "THANK YOU"]
    assert (page.width, page.height) == (4961, 7016)
