"""ocrflow's renderings of the real dev forms and receipts, read by the tools people use:
textractor and the Textract response parser (tables, layout), hocr-tools' hocr-check, pandas (TSV)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import shared_manifest

pytestmark = pytest.mark.shared_data
PER_SET = 4  # documents of each set: enough to meet tables, skew and crowded receipts


@pytest.fixture(scope="module")
def documents(pipeline):
    from ocrflow.api import OCR

    ocr = OCR()
    ocr.pipeline = pipeline
    out = {}
    for name in ("funsd-dev", "sroie-dev"):
        manifest = shared_manifest(name)
        rows = [json.loads(line) for line in manifest.read_text().splitlines()[:PER_SET]]
        for row in rows:
            path = manifest.parent / row["source-ref"]
            out[path.stem] = ocr(path)
    return out


def test_textractor_and_trp_find_the_tables_and_every_table_word_in_one_cell(documents):
    from textractor.entities.document import Document as TextractorDocument
    from trp import Document as TrpDocument

    from ocrflow.render.layout import blocks

    tables_seen = 0
    for name, document in documents.items():
        response = json.loads(json.dumps(document.to_textract()))
        expected = sum(block.kind == "table" for block in blocks(document.pages[0]))
        page = TextractorDocument.open(response).pages[0]
        assert len(page.tables) == expected, name
        assert len(TrpDocument(response).pages[0].tables) == expected, name
        by_id = {b["Id"]: b for b in response["Blocks"]}
        for table in (b for b in response["Blocks"] if b["BlockType"] == "TABLE"):
            cells = [by_id[i] for i in table["Relationships"][0]["Ids"]]
            words = [i for c in cells for r in c.get("Relationships", []) for i in r["Ids"]]
            assert len(words) == len(set(words)), "a word is in one cell"
            assert len({(c["RowIndex"], c["ColumnIndex"]) for c in cells}) == len(cells)
        for table in page.tables:
            markdown = table.to_markdown()
            assert markdown.count("\n") >= 2 and "|" in markdown
        tables_seen += len(page.tables)
    assert tables_seen > 0, "the dev forms have tables"


def test_textractor_keeps_a_receipts_item_rows_apart(documents):
    from textractor.entities.document import Document as TextractorDocument

    for name, document in documents.items():
        if not name.startswith("sroie"):
            continue
        text = TextractorDocument.open(json.loads(json.dumps(document.to_textract()))).pages[0].get_text()
        got = {" ".join(line.split()) for line in text.splitlines() if line.strip()}
        for page in document.pages:  # every row printed in columns is a line of the text by itself
            rows: dict[int, list] = {}
            for line in page.lines:
                rows.setdefault(line.row, []).append(line)
            for row in rows.values():
                if len(row) >= 2 and {l.paragraph for l in row} == {row[0].paragraph}:
                    joined = " ".join(l.text for l in sorted(row, key=lambda l: l.polygon[0][0]))
                    assert " ".join(joined.split()) in got, (name, joined)


def test_hocr_check_passes_on_the_dev_forms_and_receipts(documents, tmp_path):
    script = shutil.which("hocr-check") or str(Path(sys.executable).parent / "hocr-check")
    if not Path(script).exists():
        pytest.skip("hocr-check (hocr-tools, the dev extra) is not installed")
    for name, document in documents.items():
        path = tmp_path / f"{name}.hocr"
        path.write_text(document.to_hocr(image=name, dpi=300))
        result = subprocess.run([sys.executable, script, str(path)], capture_output=True, text=True)
        failed = [row for row in result.stderr.splitlines() if row.startswith("not ok")]
        assert result.returncode == 0 and not failed, (name, failed, result.stderr[-500:])
        assert "scan_res 300 300" in path.read_text() and "baseline " in path.read_text()


def test_pandas_reads_the_tsv_as_tesseracts(documents):
    import pandas as pd

    for document in documents.values():
        frame = pd.read_csv(io.StringIO(document.to_tsv()), sep="\t", quoting=3, keep_default_na=False)
        assert list(frame.columns[:6]) == ["level", "page_num", "block_num", "par_num", "line_num", "word_num"]
        words = frame[frame.level == 5]
        assert list(words.text.astype(str)) == [w.text for _, _, w in document.words()]
        assert (words.conf.astype(float).between(0, 100)).all() and (frame[frame.level < 5].conf == -1).all()
