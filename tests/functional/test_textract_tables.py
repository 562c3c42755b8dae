"""A rendered invoice with a ruled table, OCR'd and read back by textractor and the Textract
response parser: the TABLE has the invoice's rows and columns, cell by cell."""

from __future__ import annotations

import json

import numpy as np
import pytest

HEADER = ["Item", "Qty", "Unit price", "Amount"]
ROWS = [["Printer paper A4", "10", "4.50", "45.00"], ["Blue pens, box", "3", "6.20", "18.60"],
        ["Stapler", "2", "12.00", "24.00"], ["Desk lamp", "1", "39.90", "39.90"],
        ["Envelopes C5", "5", "3.10", "15.50"]]


def invoice() -> np.ndarray:
    """A page (BGR) with a title, two lines of address and a ruled four-column table."""
    from PIL import Image, ImageDraw, ImageFont

    from ocrflow.synthetic import font_path

    face = ImageFont.truetype(str(font_path()), 26)
    page = Image.new("RGB", (1240, 1500), "white")
    draw = ImageDraw.Draw(page)
    draw.text((90, 80), "INVOICE", font=ImageFont.truetype(str(font_path("DejaVuSans-Bold.ttf")), 44), fill="black")
    draw.text((90, 170), "Acme Supplies Ltd, 12 Harbour Road, Bristol", font=face, fill="black")
    draw.text((90, 215), "Invoice number 2041, issued 3 March 2026", font=face, fill="black")
    xs, top, height = [90, 560, 720, 930, 1150], 320, 60
    for r, row in enumerate([HEADER] + ROWS):
        for c, text in enumerate(row):
            draw.text((xs[c] + 14, top + r * height + 15), text, font=face, fill="black")
    for r in range(len(ROWS) + 2):
        draw.line([(xs[0], top + r * height), (xs[-1], top + r * height)], fill="black", width=2)
    for x in xs:
        draw.line([(x, top), (x, top + (len(ROWS) + 1) * height)], fill="black", width=2)
    draw.text((720, top + 7 * height), "Total 143.00", font=face, fill="black")
    return np.ascontiguousarray(np.asarray(page)[:, :, ::-1])


@pytest.fixture(scope="module")
def response(pipeline):
    from ocrflow.stages.validation import assemble_document

    document = assemble_document("invoice", [pipeline(invoice(), 1)], pipeline.models)
    return json.loads(json.dumps(document.to_textract()))


def test_textractor_reads_the_invoice_table_cell_by_cell(response):
    from textractor.entities.document import Document as TextractorDocument

    page = TextractorDocument.open(response).pages[0]
    assert len(page.tables) == 1
    table = page.tables[0]
    grid = [[cell.text.strip() for cell in sorted((c for c in table.table_cells if c.row_index == r),
                                                   key=lambda c: c.col_index)]
            for r in range(1, table.row_count + 1)]
    assert grid == [HEADER] + ROWS
    assert "| Desk lamp" in table.to_markdown()
    assert "INVOICE" in page.get_text()


def test_trp_reads_the_same_table(response):
    from trp import Document as TrpDocument

    (table,) = TrpDocument(response).pages[0].tables
    assert [[cell.text.strip() for cell in row.cells] for row in table.rows] == [HEADER] + ROWS
