"""Render samples/receipt.png, the document `make demo` reads (run once; the PNG is committed)."""

from pathlib import Path

import cv2

from ocrflow.synthetic import render_page

LINES = [
    "CORNER BOOKSHOP LTD",
    "12 Harbour Street, Portsmouth PO1 2AB",
    "Tel: 023 9282 4411   VAT No: 123 4567 89",
    "",
    "INVOICE 2026-0417          23/11/2026 14:32",
    "",
    "1 x The Pragmatic Programmer        39.99",
    "2 x Notebook A5 ruled                7.50",
    "1 x Fountain pen ink, blue           6.25",
    "",
    "SUBTOTAL                            53.74",
    "VAT 20%                             10.75",
    "TOTAL GBP                           64.49",
    "",
    "Paid by card ending 4821. Thank you for",
    "shopping with us. Returns within 30 days",
    "with this receipt.",
]

if __name__ == "__main__":
    image, _ = render_page(LINES, font="DejaVuSansMono.ttf", font_size=28, width=1000)
    out = Path(__file__).with_name("receipt.png")
    cv2.imwrite(str(out), image)
    print(out)
