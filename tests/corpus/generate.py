"""Render the accuracy corpus: pages of the kinds the pipeline used to misread, with their text as truth.

Five classes, three pages each (issue #24): financial tables with parenthesised
negatives (dense columns of figures), wide short strips (about 2,000 x 300 px),
forms with checkboxes just before YES / NO, calendars (single-letter weekday
headers over a grid of day numbers) and words printed with wide letter spacing.
Fonts are matplotlib's bundled DejaVu (``ocrflow.synthetic.font_path``); every
choice comes from a seeded ``random.Random``, so a run writes the same pages.

Each class is a directory holding its PNGs and a ``manifest.jsonl`` in the
format of ../shared/data (``ocrflow.evaluation.groundtruth.read_manifest``), one
truth line per printed line of text or table cell. Box glyphs and drawn boxes
are not text (Textract reports them as selection elements) and are not in the
truth.

    python tests/corpus/generate.py            # rewrite tests/corpus/*/
"""

from __future__ import annotations

import calendar
import json
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocrflow.synthetic import font_path

HERE = Path(__file__).resolve().parent
PAGES = 3


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.image = Image.new("L", (width, height), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.truth: list[dict] = []

    def text(self, xy: tuple[float, float], text: str, face: ImageFont.FreeTypeFont, *, anchor: str = "la",
             truth: str | None = None) -> tuple[int, int, int, int]:
        self.draw.text(xy, text, font=face, fill=0, anchor=anchor)
        box = self.draw.textbbox(xy, text, font=face, anchor=anchor)
        self.add(truth if truth is not None else text, box)
        return box

    def spaced(self, xy: tuple[float, float], text: str, face: ImageFont.FreeTypeFont, tracking: float
               ) -> tuple[int, int, int, int]:
        """Text with ``tracking`` em of extra space after every character (letter-spaced headings)."""
        x, y = xy
        extra = tracking * face.size
        left = top = 10 ** 9
        right = bottom = -1
        for char in text:
            if char != " ":
                self.draw.text((x, y), char, font=face, fill=0)
                l, t, r, b = self.draw.textbbox((x, y), char, font=face)
                left, top, right, bottom = min(left, l), min(top, t), max(right, r), max(bottom, b)
            x += face.getlength(char) + extra
        self.add(text, (left, top, right, bottom))
        return left, top, right, bottom

    def add(self, text: str, box: tuple[int, int, int, int]) -> None:
        l, t, r, b = box
        self.truth.append({"text": text, "polygon": [{"x": l, "y": t}, {"x": r, "y": t},
                                                     {"x": r, "y": b}, {"x": l, "y": b}]})

    def scanned(self, scale: float) -> "Canvas":
        """The page blurred and shrunk by ``scale`` (a low-resolution scan), truth scaled with it."""
        out = Canvas(round(self.image.width * scale), round(self.image.height * scale))
        out.image = self.image.filter(ImageFilter.GaussianBlur(0.8)).resize(out.image.size, Image.Resampling.BOX)
        out.truth = [{"text": t["text"], "polygon": [{"x": round(p["x"] * scale), "y": round(p["y"] * scale)}
                                                     for p in t["polygon"]]} for t in self.truth]
        return out

    def square(self, x: float, y: float, side: float, *, ticked: bool) -> None:
        self.draw.rectangle((x, y, x + side, y + side), outline=0, width=max(2, int(side / 12)))
        if ticked:
            self.draw.line((x + 3, y + 3, x + side - 3, y + side - 3), fill=0, width=2)
            self.draw.line((x + 3, y + side - 3, x + side - 3, y + 3), fill=0, width=2)


def face(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(name)), size)


def figure(rng: random.Random) -> str:
    value = rng.choice([rng.randint(1, 999), rng.randint(1000, 99999), rng.randint(100000, 9999999)])
    text = f"{value:,}"
    return f"({text})" if rng.random() < 0.35 else text


ITEMS = ["Revenue", "Cost of sales", "Gross profit", "Distribution costs", "Administrative expenses",
         "Other income", "Operating profit", "Finance income", "Finance costs", "Share of associates",
         "Profit before tax", "Income tax expense", "Profit for the year", "Trade receivables",
         "Inventories", "Cash and equivalents", "Trade payables", "Borrowings", "Lease liabilities",
         "Provisions", "Deferred tax", "Retained earnings", "Share capital", "Minority interests",
         "Depreciation", "Amortisation", "Impairment losses", "Dividends paid", "Net cash flow"]


def table(rng: random.Random, page: int) -> Canvas:
    """A statement with a narrow column of short figures (note numbers, or small changes in
    parentheses) set apart from the rest at a dense line pitch: what the sideways-stack rule
    took for one line of sideways characters."""
    name, size, pitch, short = [("DejaVuSans.ttf", 20, 1.1, "note"), ("DejaVuSerif.ttf", 16, 1.2, "change"),
                                ("DejaVuSans.ttf", 20, 1.1, "count")][page]
    body, bold = face(name, size), face(name.replace(".ttf", "-Bold.ttf"), size)
    columns, rows = 2, 20
    width, pitch = 1100, int(size * pitch)
    canvas = Canvas(width, 220 + pitch * (rows + 2))
    canvas.text((80, 60), "Consolidated statement of profit or loss", bold)
    label_w = 540
    step = (width - 80 - label_w - 60) // columns
    for c in range(columns):
        canvas.text((label_w + 60 + (c + 1) * step, 130), f"{2024 - c}", bold, anchor="ra")
    for r in range(rows):
        y = 130 + pitch * (r + 1.5)
        canvas.text((80, y), rng.choice(ITEMS), body)
        value = {"note": str(rng.randint(1, 9)), "change": f"({rng.randint(1, 99)})",
                 "count": str(rng.randint(10, 99))}[short]
        canvas.text((label_w - 40, y), value, body, anchor="ra")
        for c in range(columns):
            canvas.text((label_w + 60 + (c + 1) * step, y), figure(rng), body, anchor="ra")
    return canvas


STRIPS = [
    ["INVOICE 20931 ISSUED 14 MARCH 2024 TO NORTHWIND TRADERS LTD, 221 HARBOUR ROAD, SOUTHAMPTON",
     "Payment due within 30 days of the invoice date. Late payments accrue interest at 1.5 percent."],
    ["Total amount payable 4,812.50 including VAT at 20 percent (802.08)",
     "Account 40-22-19 71034482  Reference NWT-20931", "Thank you for your business"],
    ["Received from Margaret O'Connell the sum of three hundred and twelve pounds only",
     "Cheque number 100482 drawn on Lloyds Bank plc, Taunton branch, dated 2 April 2024"],
]


def strip(rng: random.Random, page: int) -> Canvas:
    size = [18, 22, 15][page]
    body = face(["DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSans.ttf"][page], size)
    lines = STRIPS[page]
    canvas = Canvas(2000, 300)
    pitch = (300 - 60) // len(lines)
    for k, line in enumerate(lines):
        canvas.text((40 + 20 * k, 30 + pitch * k + (pitch - size) // 2), line, body)
    return canvas


QUESTIONS = ["Are you a resident of the state", "Have you filed a return before", "Is this a joint application",
             "Do you hold a valid driving licence", "Were you employed last year", "Do you own the property",
             "Is the applicant over 18", "Has the address changed", "Do you require a receipt",
             "Are there any dependants", "Is the vehicle insured", "Do you agree to the terms"]


def checkboxes(rng: random.Random, page: int) -> Canvas:
    """Boxes just before YES / NO; the fourth page is the first at a low scan resolution (about
    6 px capitals), where the box glyph runs into the word."""
    if page == 3:
        return checkboxes(random.Random("ocrflow-corpus-checkbox-scan"), 0).scanned(0.5)
    size = [24, 28, 22][page]
    body = face(["DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSans.ttf"][page], size)
    questions = rng.sample(QUESTIONS, 9)
    canvas = Canvas(1400, 200 + int(size * 2.4) * len(questions))
    canvas.text((70, 60), "APPLICATION FORM - SECTION B", face("DejaVuSans-Bold.ttf", size + 4))
    for k, question in enumerate(questions):
        y = 140 + int(size * 2.4) * k
        canvas.text((70, y), question + "?", body)
        x = 900
        for word in ("YES", "NO"):
            ticked = rng.random() < 0.5
            if (k + page) % 2 == 0:  # a box glyph, one space before the word
                glyph = "\u2612" if ticked else "\u2610"
                canvas.draw.text((x, y), glyph, font=body, fill=0)
                x += body.getlength(glyph) + 0.15 * size
            else:  # a drawn square, a few pixels before the word
                canvas.square(x, y + 0.1 * size, 0.85 * size, ticked=ticked)
                x += 0.85 * size + 0.2 * size
            box = canvas.text((x, y), word, body)
            x = box[2] + 2.0 * size
    return canvas


def calendar_page(rng: random.Random, page: int) -> Canvas:
    year, month = 2024, [2, 7, 11][page]
    size = [18, 22, 15][page]
    body = face(["DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSans-Bold.ttf"][page], size)
    cell = int(size * [3.2, 4.0, 5.0][page])
    canvas = Canvas(140 + 7 * cell, 260 + 7 * cell)
    canvas.text((70, 50), f"{calendar.month_name[month]} {year}", face("DejaVuSans-Bold.ttf", size + 10))
    top = 150
    for c, letter in enumerate("MTWTFSS"):
        canvas.text((70 + c * cell + cell / 2, top), letter, body, anchor="ma")
    for r, week in enumerate(calendar.Calendar().monthdayscalendar(year, month)):
        for c, day in enumerate(week):
            x, y = 70 + c * cell, top + (r + 1) * cell
            canvas.draw.rectangle((x, y - 0.3 * size, x + cell, y + cell - 0.3 * size), outline=160)
            if day:
                canvas.text((x + cell / 2, y), str(day), body, anchor="ma")
    return canvas


SPACED = ["LAS VEGAS", "SLICED INVOICES", "GRAND TOTAL", "THANK YOU", "NEW YORK CITY", "CASH RECEIPT",
          "SALES TAX", "DELIVERY NOTE", "STATEMENT OF ACCOUNT", "PURCHASE ORDER", "HOTEL BELLAGIO",
          "CUSTOMER COPY"]


def spacing(rng: random.Random, page: int) -> Canvas:
    size = [28, 34, 24][page]
    name = ["DejaVuSans.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSansMono.ttf"][page]
    body = face(name, size)
    phrases = rng.sample(SPACED, 8)
    canvas = Canvas(1500, 160 + int(size * 2.6) * len(phrases))
    for k, phrase in enumerate(phrases):
        tracking = [0.25, 0.45, 0.7][k % 3]
        canvas.spaced((80, 80 + int(size * 2.6) * k), phrase, body, tracking)
    return canvas


CLASSES = {"table": table, "strip": strip, "checkbox": checkboxes, "calendar": calendar_page, "spacing": spacing}


def generate(root: Path = HERE) -> None:
    for name, render in CLASSES.items():
        rng = random.Random(f"ocrflow-corpus-{name}")
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        records = []
        for page in range(PAGES + (name == "checkbox")):
            canvas = render(rng, page)
            image = f"{name}_{page + 1}.png"
            canvas.image.save(folder / image, optimize=True)
            records.append(json.dumps({"source-ref": image, "width": canvas.image.width,
                                       "height": canvas.image.height, "annotations": {"texts": canvas.truth}}))
        (folder / "manifest.jsonl").write_text("\n".join(records) + "\n")


if __name__ == "__main__":
    generate()
