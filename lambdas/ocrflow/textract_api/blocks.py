"""Each operation's response, reshaped from ``Document.to_textract()`` (which renders every block
ocrflow has: PAGE, LINE, WORD, the layout and, where the renderer writes them, table blocks), so that
whatever the renderer learns reaches the API without a second renderer here.

DetectDocumentText answers PAGE, LINE and WORD blocks; AnalyzeDocument adds the blocks of the
feature types asked for. The synchronous shape has no ``JobStatus``; the asynchronous ``Get*`` pages
its blocks, ``MaxResults`` at a time (at most 1,000, Textract's default and limit).
"""

from __future__ import annotations

import base64
import binascii

from .errors import invalid_parameter

TEXT = {"PAGE", "LINE", "WORD"}
FEATURE_BLOCKS = {
    "LAYOUT": {"LAYOUT_TITLE", "LAYOUT_HEADER", "LAYOUT_FOOTER", "LAYOUT_SECTION_HEADER", "LAYOUT_PAGE_NUMBER",
               "LAYOUT_LIST", "LAYOUT_FIGURE", "LAYOUT_TABLE", "LAYOUT_KEY_VALUE", "LAYOUT_TEXT"},
    "TABLES": {"TABLE", "CELL", "MERGED_CELL", "TABLE_TITLE", "TABLE_FOOTER"},
}
SUPPORTED_FEATURES = tuple(FEATURE_BLOCKS)
MAX_RESULTS = 1000
MODEL_VERSION_KEY = {"detect": "DetectDocumentTextModelVersion", "analyze": "AnalyzeDocumentModelVersion"}


def check_features(features: list[str]) -> list[str]:
    unsupported = sorted(set(features) - set(SUPPORTED_FEATURES))
    if unsupported:
        raise invalid_parameter(f"FeatureTypes {', '.join(unsupported)} not supported; ocrflow supports "
                                f"{' and '.join(SUPPORTED_FEATURES)}")
    return list(features)


def kept_types(features: list[str] | None) -> set[str]:
    """None: text detection; a list: document analysis with those feature types."""
    kept = set(TEXT)
    for feature in features or ():
        kept |= FEATURE_BLOCKS[feature]
    return kept


def select(blocks: list[dict], features: list[str] | None) -> list[dict]:
    """The blocks an operation answers, each pointing only at blocks that are answered too."""
    kept = kept_types(features)
    chosen = [block for block in blocks if block["BlockType"] in kept]
    ids = {block["Id"] for block in chosen}
    out = []
    for block in chosen:
        relationships = [{**r, "Ids": [i for i in r["Ids"] if i in ids]} for r in block.get("Relationships", [])]
        relationships = [r for r in relationships if r["Ids"]]
        block = {k: v for k, v in block.items() if k != "Relationships"}
        if relationships:  # Textract writes no empty Relationships
            block["Relationships"] = relationships
        out.append(block)
    return out


def response(rendered: dict, features: list[str] | None) -> dict:
    """The synchronous answer (DetectDocumentText, AnalyzeDocument) from ``Document.to_textract()``."""
    kind = "detect" if features is None else "analyze"
    version = rendered.get("AnalyzeDocumentModelVersion") or rendered.get("DetectDocumentTextModelVersion", "1.0")
    return {"DocumentMetadata": rendered["DocumentMetadata"], "Blocks": select(rendered["Blocks"], features),
            MODEL_VERSION_KEY[kind]: version}


def page_of(result: dict, job_id: str, max_results: int | None, next_token: str | None) -> dict:
    """One page of a finished job's answer, as ``Get*`` returns it (``JobStatus`` added by the caller)."""
    size = min(max_results or MAX_RESULTS, MAX_RESULTS)
    start = offset(next_token, job_id) if next_token else 0
    blocks = result["Blocks"]
    page = {k: v for k, v in result.items() if k != "Blocks"}
    page["Blocks"] = blocks[start:start + size]
    if start + size < len(blocks):
        page["NextToken"] = token(job_id, start + size)
    return page


def pages(result: dict, job_id: str) -> list[dict]:
    """Every page of the answer, 1,000 blocks each: what Textract writes to ``OutputConfig``."""
    out, next_token = [], None
    while True:
        page = page_of(result, job_id, MAX_RESULTS, next_token)
        out.append(page)
        next_token = page.get("NextToken")
        if next_token is None:
            return out


def token(job_id: str, start: int) -> str:
    return base64.urlsafe_b64encode(f"{job_id}:{start}".encode()).decode()


def offset(next_token: str, job_id: str) -> int:
    try:
        job, start = base64.urlsafe_b64decode(next_token.encode()).decode().rsplit(":", 1)
        if job == job_id and int(start) >= 0:
            return int(start)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise invalid_parameter("NextToken is not one this job returned")
