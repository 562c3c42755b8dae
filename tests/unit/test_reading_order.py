from ocrflow.stages.reading_order import paragraphs, reading_order


def test_two_columns_read_column_by_column():
    left = [(0, y, 400, y + 20) for y in (0, 30, 60, 90)]
    right = [(600, y + 5, 1000, y + 25) for y in (200, 230, 260)]  # rows not aligned with left
    boxes = right + left
    order = reading_order(boxes)
    assert order == [3, 4, 5, 6, 0, 1, 2]


def test_key_value_rows_read_row_by_row():
    keys = [(0, y, 200, y + 20) for y in (0, 30, 60)]
    values = [(700, y + 2, 800, y + 22) for y in (0, 30, 60)]
    order = reading_order(values + keys)
    assert order == [3, 0, 4, 1, 5, 2]


def test_paragraph_breaks_on_spacing_indent_and_font_size():
    boxes = [
        (0, 0, 900, 20), (0, 30, 900, 50), (0, 60, 400, 80),  # paragraph 0, ends short
        (0, 130, 900, 150), (0, 160, 900, 180),  # extra spacing -> paragraph 1
        (0, 190, 900, 230),  # taller text -> paragraph 2
        (120, 240, 900, 260),  # indented -> paragraph 3
    ]
    texts = ["a", "b", "c.", "d", "e", "f", "g"]
    assert paragraphs(boxes, texts) == ([0, 0, 0, 1, 1, 2, 3], [0, 1, 2, 3, 4, 5, 6])


def test_same_row_lines_share_a_paragraph():
    boxes = [(0, 0, 200, 20), (600, 1, 700, 21), (0, 30, 200, 50), (600, 31, 700, 51)]
    assert paragraphs(boxes, ["Total", "9.99", "Tax", "1.00"]) == ([0, 0, 0, 0], [0, 0, 1, 1])


def test_empty():
    assert reading_order([]) == [] and paragraphs([], []) == ([], [])
