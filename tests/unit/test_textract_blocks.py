"""Each operation's blocks, reshaped from the rendered Textract JSON, and their pages."""

from __future__ import annotations

import pytest

from ocrflow.textract_api import blocks
from ocrflow.textract_api.errors import TextractError

RENDERED = {
    "DocumentMetadata": {"Pages": 1}, "JobStatus": "SUCCEEDED", "AnalyzeDocumentModelVersion": "1.0",
    "Blocks": [
        {"BlockType": "PAGE", "Id": "p", "Relationships": [{"Type": "CHILD", "Ids": ["l1", "t1", "lay"]}]},
        {"BlockType": "LINE", "Id": "l1", "Text": "Total 4", "Relationships": [{"Type": "CHILD", "Ids": ["w1", "w2"]}]},
        {"BlockType": "WORD", "Id": "w1", "Text": "Total"},
        {"BlockType": "WORD", "Id": "w2", "Text": "4"},
        {"BlockType": "LAYOUT_TEXT", "Id": "lay", "Relationships": [{"Type": "CHILD", "Ids": ["l1"]}]},
        {"BlockType": "TABLE", "Id": "t1", "Relationships": [{"Type": "CHILD", "Ids": ["c1"]}]},
        {"BlockType": "CELL", "Id": "c1", "Relationships": [{"Type": "CHILD", "Ids": ["w1"]}]},
    ]}


def kinds(response: dict) -> list[str]:
    return [b["BlockType"] for b in response["Blocks"]]


def test_text_detection_answers_pages_lines_and_words_only():
    response = blocks.response(RENDERED, None)
    assert kinds(response) == ["PAGE", "LINE", "WORD", "WORD"]
    assert "JobStatus" not in response and response["DetectDocumentTextModelVersion"] == "1.0"
    assert response["Blocks"][0]["Relationships"] == [{"Type": "CHILD", "Ids": ["l1"]}]


def test_analysis_answers_the_feature_types_asked_for():
    assert kinds(blocks.response(RENDERED, ["LAYOUT"])) == ["PAGE", "LINE", "WORD", "WORD", "LAYOUT_TEXT"]
    tables = blocks.response(RENDERED, ["TABLES"])
    assert kinds(tables) == ["PAGE", "LINE", "WORD", "WORD", "TABLE", "CELL"]
    assert "AnalyzeDocumentModelVersion" in tables and "JobStatus" not in tables
    assert len(blocks.response(RENDERED, ["LAYOUT", "TABLES"])["Blocks"]) == 7


def test_unsupported_feature_types_name_the_supported_ones():
    with pytest.raises(TextractError, match="FORMS, QUERIES not supported; ocrflow supports LAYOUT and TABLES"):
        blocks.check_features(["LAYOUT", "QUERIES", "FORMS"])


def test_pages_of_a_job_concatenate_to_its_answer():
    answer = blocks.response(RENDERED, ["LAYOUT", "TABLES"])
    first = blocks.page_of(answer, "job", 3, None)
    second = blocks.page_of(answer, "job", 3, first["NextToken"])
    third = blocks.page_of(answer, "job", 3, second["NextToken"])
    assert "NextToken" not in third and first["DocumentMetadata"] == {"Pages": 1}
    assert first["Blocks"] + second["Blocks"] + third["Blocks"] == answer["Blocks"]
    assert [len(p["Blocks"]) for p in blocks.pages(answer, "job")] == [7]
    with pytest.raises(TextractError, match="NextToken"):
        blocks.page_of(answer, "another-job", 3, first["NextToken"])
    with pytest.raises(TextractError, match="NextToken"):
        blocks.page_of(answer, "job", 3, "garbage")
