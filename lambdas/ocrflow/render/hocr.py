"""hOCR 1.2, as Tesseract writes it: ocr_page (with ``scan_res``), ocr_carea (a layout block),
ocr_par, ocr_line (``baseline``, ``x_size``) and ocrx_word (``x_wconf``), each with its
bounding box in input-image pixels.

ocrflow knows a confidence per word, not per character, so there is no ``x_confs``. Its lines
are quadrilaterals: the baseline's slope is the slope of the line's bottom edge, and its offset
puts the baseline DESCENT of the line's height above that edge, where a Latin font's baseline
sits in a box that holds its descenders. Lines whose boxes overlap (hocr-check's
``mostly_nonoverlapping``: more than a fifth of the larger) are written as one line when they
share a row, and the smaller is shrunk off the larger when they do not: consumers such as
ocrmypdf's hOCR renderer stack overlapping lines' text on one another.
"""

from __future__ import annotations

from html import escape

import numpy as np

from .. import __version__
from ..geometry import bounding_box
from ..schema.page import Line, Page, Paged
from .layout import blocks, words_of

DESCENT = 0.2
MAX_OVERLAP = 0.2  # hocr-check's "significant overlap": a share of the larger box
MAX_PASSES = 10
HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>{title}</title>
  <meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>
  <meta name="ocr-system" content="ocrflow {version}"/>
  <meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"/>
 </head>
 <body>
"""


def pixel_box(polygon) -> tuple[int, int, int, int]:
    l, t, r, b = bounding_box(np.asarray(polygon, dtype=np.float64))
    return int(np.floor(l)), int(np.floor(t)), int(np.ceil(r)), int(np.ceil(b))


def bbox(box: tuple[int, int, int, int]) -> str:
    return "bbox {} {} {} {}".format(*box)


def baseline(line: Line, box: tuple[int, int, int, int]) -> tuple[float, float, float]:
    """(slope, offset from the box's bottom-left corner, x_size) of a line's quadrilateral."""
    quad = np.asarray(line.polygon, dtype=np.float64)
    bottom_left, bottom_right, top_left = quad[3], quad[2], quad[0]
    run = bottom_right[0] - bottom_left[0]
    slope = (bottom_right[1] - bottom_left[1]) / run if abs(run) > 1e-6 else 0.0
    height = float(np.linalg.norm(top_left - bottom_left))
    at_left = bottom_left[1] + slope * (box[0] - bottom_left[0])  # the bottom edge where the box starts
    return slope, at_left - DESCENT * height - box[3], height


def _overlap(u, v) -> float:
    inter = max(0, min(u[2], v[2]) - max(u[0], v[0])) * max(0, min(u[3], v[3]) - max(u[1], v[1]))
    larger = max((u[2] - u[0]) * (u[3] - u[1]), (v[2] - v[0]) * (v[3] - v[1]), 1)
    return inter / larger


def line_boxes(page: Page) -> tuple[dict[str, tuple[int, int, int, int]], dict[str, str]]:
    """Each line's box after the overlap rule, and the lines merged into another (id -> kept id)."""
    boxes = {line.id: pixel_box(line.polygon) for line in page.lines}
    rows = {line.id: line.row for line in page.lines}
    merged: dict[str, str] = {}
    ids = [line.id for line in page.lines]
    for _ in range(MAX_PASSES):  # a box that grew or shrank can overlap another: again until none does
        changed = False
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if a in merged or b in merged or _overlap(boxes[a], boxes[b]) <= MAX_OVERLAP:
                    continue
                changed = True
                u, v = boxes[a], boxes[b]
                if rows[a] == rows[b]:
                    boxes[a] = (min(u[0], v[0]), min(u[1], v[1]), max(u[2], v[2]), max(u[3], v[3]))
                    merged[b] = a
                    continue
                upper, lower = (a, b) if u[1] + u[3] <= v[1] + v[3] else (b, a)  # by their middles
                u, v = boxes[upper], boxes[lower]
                middle = (u[3] + v[1]) // 2  # the upper line ends where the lower one starts
                boxes[upper] = (u[0], u[1], u[2], max(u[1] + 1, middle))
                boxes[lower] = (v[0], min(v[3] - 1, middle), v[2], v[3])
        if not changed:
            break
    return boxes, merged


def areas(page: Page, boxes: dict[str, tuple[int, int, int, int]], merged: dict[str, str]) -> list[list[Line]]:
    """The layout blocks' lines (less those merged into another line), blocks whose boxes overlap as
    lines' may not (hocr-check checks careas and paragraphs too) merged into the first of them."""
    groups = [[line for line in block.lines if line.id not in merged] for block in blocks(page)]
    groups = [group for group in groups if group]

    def area(group: list[Line]) -> tuple[int, int, int, int]:
        return (min(boxes[line.id][0] for line in group), min(boxes[line.id][1] for line in group),
                max(boxes[line.id][2] for line in group), max(boxes[line.id][3] for line in group))

    joined = True
    while joined:
        joined = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if _overlap(area(groups[i]), area(groups[j])) > MAX_OVERLAP:
                    groups[i] += groups.pop(j)
                    joined = True
                    break
            if joined:
                break
    return groups


def page_hocr(page: Page, image: str, dpi: float | None) -> list[str]:
    n = page.number
    scan_res = f"; scan_res {round(dpi)} {round(dpi)}" if dpi else ""
    out = [f'  <div class="ocr_page" id="page_{n}" title=\'image "{escape(image)}"; bbox 0 0 {page.width} '
           f'{page.height}; ppageno {n - 1}{scan_res}\'>']
    boxes, merged = line_boxes(page)
    members: dict[str, list[Line]] = {}
    for line in page.lines:
        members.setdefault(merged.get(line.id, line.id), []).append(line)
    for b, kept in enumerate(areas(page, boxes, merged), 1):
        corners = [boxes[line.id][:2] for line in kept] + [boxes[line.id][2:] for line in kept]
        area = bbox(pixel_box(corners))
        out.append(f'   <div class="ocr_carea" id="block_{n}_{b}" title="{area}">')
        out.append(f'    <p class="ocr_par" id="par_{n}_{b}" lang="eng" title="{area}">')
        for line in kept:
            k = line.id.split("-l")[-1]
            slope, offset, size = baseline(line, boxes[line.id])
            out.append(f'     <span class="ocr_line" id="line_{n}_{k}" title="{bbox(boxes[line.id])}; '
                       f'baseline {slope:.3f} {offset:.0f}; x_size {size:.0f}">')
            words = [word for member in members[line.id] for word in words_of(member)]
            if len(members[line.id]) > 1:  # two lines of a row written as one: their words left to right
                words.sort(key=lambda word: bounding_box(np.asarray(word.polygon))[0])
            for w, word in enumerate(words):
                box = bbox(pixel_box(word.polygon))
                out.append(f'      <span class="ocrx_word" id="word_{n}_{k}_{w}" title="{box}; '
                           f'x_wconf {word.confidence * 100:.0f}">{escape(word.text)}</span>')
            out.append("     </span>")
        out += ["    </p>", "   </div>"]
    out.append("  </div>")
    return out


def to_hocr(document: Paged, image: str | None = None, dpi: float | list[float] | None = None) -> str:
    """``dpi``: the resolution of every page, or one per page (``scan_res``; omitted where None)."""
    dpis = dpi if isinstance(dpi, (list, tuple)) else [dpi] * len(document.pages)
    body = [row for page, page_dpi in zip(document.pages, dpis)
            for row in page_hocr(page, image or document.document_id, page_dpi)]
    return HEAD.format(title=escape(document.document_id), version=__version__) + "\n".join(body) + \
        "\n </body>\n</html>\n"
