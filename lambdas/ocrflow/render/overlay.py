"""The result drawn on the page: people would rather look than read.

Each line's box in blue with its confidence, each word's box in green, orange or red by its
confidence (at least 0.9, 0.7, below), on the page image where there is one (else white).
Boxes are the polygons of the result, so a turned or skewed page shows them turned too.
"""

from __future__ import annotations

import numpy as np

from ..schema.page import Page, Paged

LINE_COLOUR = (40, 90, 220)
GOOD, FAIR, POOR = (0, 150, 60), (230, 140, 0), (220, 30, 30)


def word_colour(confidence: float) -> tuple[int, int, int]:
    return GOOD if confidence >= 0.9 else FAIR if confidence >= 0.7 else POOR


def draw_page(page: Page, image: np.ndarray | None = None):
    """A PIL RGB image of ``page``: ``image`` (BGR, as the pipeline reads pages) or white, with the boxes."""
    # PIL only when a page is drawn
    from PIL import Image, ImageDraw

    if image is None:
        canvas = Image.new("RGB", (page.width, page.height), "white")
    else:
        canvas = Image.fromarray(np.ascontiguousarray(image[:, :, ::-1]))
    draw = ImageDraw.Draw(canvas)
    width = max(1, round(min(page.width, page.height) / 600))
    for line in page.lines:
        for word in line.words:
            draw.polygon([tuple(p) for p in word.polygon], outline=word_colour(word.confidence), width=width)
        draw.polygon([tuple(p) for p in line.polygon], outline=LINE_COLOUR, width=width)
        left, top = np.asarray(line.polygon).min(axis=0)
        draw.text((left, max(0, top - 11)), f"{line.confidence:.2f}", fill=LINE_COLOUR)
    return canvas


def draw_document(document: Paged, data: bytes | None = None):
    """Every page drawn (``data``: the input's bytes, for the page images), one under the other."""
    # as above
    from PIL import Image

    images: list[np.ndarray | None] = [None] * len(document.pages)
    if data is not None:
        # ingest only to draw on the input's pages
        from ..documents import load_pages

        images = [page.image for page in load_pages(data)]
    drawn = [draw_page(page, image) for page, image in zip(document.pages, images)]
    sheet = Image.new("RGB", (max(d.width for d in drawn), sum(d.height for d in drawn)), "white")
    top = 0
    for image in drawn:
        sheet.paste(image, (0, top))
        top += image.height
    return sheet
