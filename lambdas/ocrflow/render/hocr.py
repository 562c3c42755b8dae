"""hOCR 1.2, as Tesseract writes it: ocr_page, ocr_carea (a layout block), ocr_par, ocr_line
and ocrx_word, each with its bounding box in input-image pixels, words with x_wconf."""

from __future__ import annotations

from html import escape

import numpy as np

from .. import __version__
from ..geometry import bounding_box
from ..schema.document import Document, Page
from .layout import blocks

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


def bbox(polygon) -> str:
    l, t, r, b = bounding_box(np.asarray(polygon))
    return f"bbox {int(np.floor(l))} {int(np.floor(t))} {int(np.ceil(r))} {int(np.ceil(b))}"


def page_hocr(page: Page, image: str) -> list[str]:
    n = page.number
    out = [f'  <div class="ocr_page" id="page_{n}" title=\'image "{escape(image)}"; bbox 0 0 {page.width} '
           f'{page.height}; ppageno {n - 1}\'>']
    for b, block in enumerate(blocks(page), 1):
        corners = [(block.box[0], block.box[1]), (block.box[2], block.box[3])]
        out.append(f'   <div class="ocr_carea" id="block_{n}_{b}" title="{bbox(corners)}">')
        out.append(f'    <p class="ocr_par" id="par_{n}_{b}" lang="eng" title="{bbox(corners)}">')
        for line in block.lines:
            k = line.id.split("-l")[-1]
            height = bounding_box(np.asarray(line.polygon))[3] - bounding_box(np.asarray(line.polygon))[1]
            out.append(f'     <span class="ocr_line" id="line_{n}_{k}" title="{bbox(line.polygon)}; '
                       f'x_size {height:.0f}; x_confs {line.confidence * 100:.0f}">')
            words = line.words or []
            for w, word in enumerate(words):
                out.append(f'      <span class="ocrx_word" id="word_{n}_{k}_{w}" title="{bbox(word.polygon)}; '
                           f'x_wconf {word.confidence * 100:.0f}">{escape(word.text)}</span>')
            if not words:
                out.append(f'      <span class="ocrx_word" id="word_{n}_{k}_0" title="{bbox(line.polygon)}; '
                           f'x_wconf {line.confidence * 100:.0f}">{escape(line.text)}</span>')
            out.append("     </span>")
        out += ["    </p>", "   </div>"]
    out.append("  </div>")
    return out


def to_hocr(document: Document, image: str | None = None) -> str:
    body = [row for page in document.pages for row in page_hocr(page, image or document.document_id)]
    return HEAD.format(title=escape(document.document_id), version=__version__) + "\n".join(body) + \
        "\n </body>\n</html>\n"
