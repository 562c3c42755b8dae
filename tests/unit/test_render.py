"""Renderings of a hand-made document: layout blocks, Textract structure and line splitting, hOCR,
Markdown and TSV."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ocrflow.render.layout import blocks
from ocrflow.render.textract import split_line, to_textract
from ocrflow.schema.document import Document, Line, Page, PageRotation, Paragraph, Word


def box(l, t, r, b):
    return [(l, t), (r, t), (r, b), (l, b)]


def line(id_, text, l, t, r, b, paragraph, row, region="text", words=None) -> Line:
    if words is None:  # evenly spaced words across the line
        parts, step = text.split(), (r - l) / max(1, len(text.split()))
        words = [Word(text=w, confidence=0.95, polygon=box(l + k * step, t, l + (k + 0.8) * step, b))
                 for k, w in enumerate(parts)]
    return Line(id=id_, text=text, confidence=0.95, polygon=box(l, t, r, b), region=region, paragraph=paragraph,
                row=row, words=words)


def document() -> Document:
    lines = [
        line("p1-l0", "Annual Report", 100, 50, 500, 90, 0, 0, region="title"),
        line("p1-l1", "Sales rose in every region", 100, 150, 700, 180, 1, 1),
        line("p1-l2", "and costs fell", 100, 190, 400, 220, 1, 2),
        line("p1-l3", "Region", 100, 300, 250, 330, 2, 3, region="table"),
        line("p1-l4", "Sales", 500, 300, 620, 330, 2, 3, region="table"),
        line("p1-l5", "North", 100, 340, 230, 370, 3, 4, region="table"),
        line("p1-l6", "120", 500, 340, 570, 370, 3, 4, region="table"),
    ]
    paragraphs = [Paragraph(line_ids=[l.id for l in lines if l.paragraph == n], box=(0, 0, 1, 1)) for n in range(4)]
    page = Page(number=1, width=1000, height=800, rotation=PageRotation(angle=0, angle_confidence=1, skew_degrees=0),
                status="ok", mean_confidence=0.95, lines=lines, paragraphs=paragraphs)
    return Document(document_id="doc-1", status="ok", pages=[page])


def test_blocks_carry_layout_kinds_and_tables_merge():
    kinds = [(b.kind, [line.text for line in b.lines]) for b in blocks(document().pages[0])]
    assert kinds == [("title", ["Annual Report"]), ("text", ["Sales rose in every region", "and costs fell"]),
                     ("table", ["Region", "Sales", "North", "120"])]


def test_a_page_wide_figure_is_read_as_text():
    page = document().pages[0]
    receipt = page.model_copy(update={"lines": [l.model_copy(update={"region": "figure"}) for l in page.lines]})
    assert {b.kind for b in blocks(receipt)} == {"text"}


def test_textract_has_layout_blocks_job_status_and_no_empty_relationships():
    response = to_textract(document())
    assert response["JobStatus"] == "SUCCEEDED" and response["AnalyzeDocumentModelVersion"] == "1.0"
    by_type = {}
    for block in response["Blocks"]:
        by_type.setdefault(block["BlockType"], []).append(block)
        assert block.get("Relationships", [None]) != [], "an empty Relationships list is never written"
    assert [b["BlockType"] for b in response["Blocks"] if b["BlockType"].startswith("LAYOUT")] == [
        "LAYOUT_TITLE", "LAYOUT_TEXT", "LAYOUT_TABLE"]
    (page,) = by_type["PAGE"]
    children = page["Relationships"][0]["Ids"]
    layout_ids = [b["Id"] for b in response["Blocks"] if b["BlockType"].startswith("LAYOUT")]
    assert [i for i in children if i in layout_ids] == layout_ids, "the page lists its layout blocks, in order"
    line_ids = {b["Id"] for b in by_type["LINE"]}
    for layout in by_type["LAYOUT_TEXT"] + by_type["LAYOUT_TABLE"]:
        assert set(layout["Relationships"][0]["Ids"]) <= line_ids


def test_a_line_across_a_wide_gap_is_two_textract_lines():
    wide = line("p1-l0", "Total 64.49", 100, 100, 900, 130, 0, 0, words=[
        Word(text="Total", confidence=0.99, polygon=box(100, 100, 200, 130)),
        Word(text="64.49", confidence=0.99, polygon=box(800, 100, 900, 130))])
    close = wide.model_copy(update={"words": [wide.words[0], wide.words[1].model_copy(
        update={"polygon": box(215, 100, 315, 130)})]})
    assert [[w.text for w in run] for run in split_line(wide)] == [["Total"], ["64.49"]]
    assert [[w.text for w in run] for run in split_line(close)] == [["Total", "64.49"]]
    page = document().pages[0].model_copy(update={"lines": [wide], "paragraphs": [
        Paragraph(line_ids=["p1-l0"], box=(0, 0, 1, 1))]})
    lines = [b for b in to_textract(Document(document_id="d", status="ok", pages=[page]))["Blocks"]
             if b["BlockType"] == "LINE"]
    assert [b["Text"] for b in lines] == ["Total", "64.49"]
    assert lines[0]["Geometry"]["BoundingBox"]["Left"] == 0.1 and lines[1]["Geometry"]["BoundingBox"]["Left"] == 0.8


def test_hocr_is_xhtml_with_the_hierarchy_and_boxes():
    root = ET.fromstring(document().to_hocr().encode())
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    (page,) = root.findall(".//h:div[@class='ocr_page']", ns)
    assert "bbox 0 0 1000 800" in page.get("title")
    words = root.findall(".//h:span[@class='ocrx_word']", ns)
    expected = "Annual Report Sales rose in every region and costs fell Region Sales North 120"
    assert [w.text for w in words] == expected.split()
    for word in words:
        left, top, right, bottom = map(int, word.get("title").split(";")[0].split()[1:])
        assert 0 <= left < right <= 1000 and 0 <= top < bottom <= 800
        assert "x_wconf 95" in word.get("title")
    assert len(root.findall(".//h:p[@class='ocr_par']", ns)) == 3
    assert len(root.findall(".//h:span[@class='ocr_line']", ns)) == 7


def test_markdown_has_a_heading_a_paragraph_and_a_table():
    assert document().to_markdown() == ("# Annual Report\n\nSales rose in every region\nand costs fell\n\n"
                                        "| Region | Sales |\n|---|---|\n| North | 120 |\n")


def test_tsv_is_tesseracts_layout():
    rows = [row.split("\t") for row in document().to_tsv().splitlines()]
    assert rows[0][:6] == ["level", "page_num", "block_num", "par_num", "line_num", "word_num"]
    words = [row for row in rows[1:] if row[0] == "5"]
    assert [row[11] for row in words][:2] == ["Annual", "Report"]
    assert all(float(row[10]) == 95.0 for row in words)
    assert {row[0] for row in rows[1:]} == {"1", "2", "3", "4", "5"}


def test_a_table_region_is_a_textract_table_of_cells_with_a_merged_heading():
    heading = line("p1-l7", "Sales by region", 100, 260, 620, 290, 2, 2, region="table")
    page = document().pages[0]
    lines = page.lines[:3] + [heading] + page.lines[3:]
    paragraphs = [Paragraph(line_ids=[l.id for l in lines if l.paragraph == n], box=(0, 0, 1, 1)) for n in range(4)]
    response = to_textract(Document(document_id="d", status="ok", pages=[
        page.model_copy(update={"lines": lines, "paragraphs": paragraphs})]))
    by_id = {b["Id"]: b for b in response["Blocks"]}
    (table,) = [b for b in response["Blocks"] if b["BlockType"] == "TABLE"]
    cells = [by_id[i] for i in table["Relationships"][0]["Ids"]]
    text = {(c["RowIndex"], c["ColumnIndex"]): " ".join(by_id[i]["Text"] for r in c.get("Relationships", [])
                                                        for i in r["Ids"]) for c in cells}
    assert text == {(1, 1): "Sales by", (1, 2): "region", (2, 1): "Region", (2, 2): "Sales",
                    (3, 1): "North", (3, 2): "120"}
    (merged,) = [by_id[i] for i in table["Relationships"][1]["Ids"]]
    assert table["Relationships"][1]["Type"] == "MERGED_CELL"
    assert (merged["RowIndex"], merged["ColumnIndex"], merged["ColumnSpan"]) == (1, 1, 2)
    lines_out = [b for b in response["Blocks"] if b["BlockType"] == "LINE"]
    for b in lines_out:  # a LINE's confidence is its WORDs' mean, as Textract's
        words = [by_id[i]["Confidence"] for i in b["Relationships"][0]["Ids"]]
        assert b["Confidence"] == round(sum(words) / len(words), 4)


def test_a_receipts_item_rows_are_one_layout_block_each_and_confidence_is_the_layout_models():
    from ocrflow.schema.document import RegionOut

    items = [("Nasi lemak", "4.50"), ("Teh tarik", "2.20"), ("Total", "6.70")]
    lines, n = [], 0
    for row, (item, price) in enumerate(items):
        top = 100 + 40 * row
        lines += [line(f"p1-l{n}", item, 100, top, 300, top + 30, 0, row), line(f"p1-l{n + 1}", price, 800, top, 880,
                                                                                 top + 30, 0, row)]
        n += 2
    page = document().pages[0].model_copy(update={
        "lines": lines, "paragraphs": [Paragraph(line_ids=[l.id for l in lines], box=(0, 0, 1, 1))],
        "regions": [RegionOut(label="text", score=0.81, polygon=box(50, 50, 950, 300))]})
    response = to_textract(Document(document_id="d", status="ok", pages=[page]))
    by_id = {b["Id"]: b for b in response["Blocks"]}
    layouts = [b for b in response["Blocks"] if b["BlockType"] == "LAYOUT_TEXT"]
    assert [[by_id[i]["Text"] for i in b["Relationships"][0]["Ids"]] for b in layouts] == [list(r) for r in items]
    assert {b["Confidence"] for b in layouts} == {81.0}


def test_hocr_lines_have_baseline_and_x_size_words_x_wconf_and_no_x_confs():
    hocr = document().to_hocr(image="page.png", dpi=300)
    root = ET.fromstring(hocr.encode())
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    assert "scan_res 300 300" in root.find(".//h:div[@class='ocr_page']", ns).get("title")
    first = root.find(".//h:span[@class='ocr_line']", ns).get("title")
    props = dict(p.strip().split(" ", 1) for p in first.split(";"))
    assert props["bbox"] == "100 50 500 90" and props["x_size"] == "40"
    slope, offset = map(float, props["baseline"].split())
    assert slope == 0 and offset == -8  # a fifth of the 40-pixel line above its bottom edge
    assert "x_confs" not in hocr


def test_overlapping_hocr_lines_are_merged_on_a_row_and_trimmed_apart_across_rows():
    from ocrflow.render.hocr import _overlap, line_boxes

    lines = [line("p1-l0", "Madelyn Chaber", 230, 372, 335, 393, 0, 0),
             line("p1-l1", "101 California Street", 232, 384, 400, 405, 0, 1),
             line("p1-l2", "Suite", 340, 386, 450, 405, 0, 1)]
    page = document().pages[0].model_copy(update={
        "lines": lines, "paragraphs": [Paragraph(line_ids=[l.id for l in lines], box=(0, 0, 1, 1))]})
    boxes, merged = line_boxes(page)
    assert merged == {"p1-l2": "p1-l1"}
    assert boxes["p1-l1"][::2] == (232, 450), "the merged line spans both"
    assert _overlap(boxes["p1-l0"], boxes["p1-l1"]) <= 0.2
    hocr = Document(document_id="d", status="ok", pages=[page]).to_hocr()
    assert hocr.count('class="ocr_line"') == 2 and "101</span>" in hocr and "Suite</span>" in hocr
