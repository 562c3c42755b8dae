"""Hostile and odd inputs, made here, each with the outcome ocrflow owes it.

Used by tests/functional/test_hostile_inputs.py (every kind through the local state machine)
and benchmarks/hostile.py (the table of codes and times).
"""

from __future__ import annotations

import io
import json
import re
import os
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from ocrflow.synthetic import render_page

COMPLETED = "COMPLETED"
READS = "Hostile input 42"


@dataclass(frozen=True)
class Hostile:
    name: str
    expected: str | tuple[str, ...]  # an error code, COMPLETED, or the acceptable ones
    data: bytes | None = None  # the object's content; None: no object is uploaded
    key: str | None = None  # the object's key (default: derived from the name)
    detail: dict | str | None = None  # a hand-made detail; "$ID" and "$URI" are filled in
    env: dict = field(default_factory=dict)
    reads: str | None = None  # for a legal document: text its result must hold

    @property
    def accepted(self) -> tuple[str, ...]:
        return self.expected if isinstance(self.expected, tuple) else (self.expected,)


def text_page(lines=(READS,), **kwargs) -> np.ndarray:
    return render_page(list(lines), **kwargs)[0]


def encode(image: np.ndarray, ext: str, *params) -> bytes:
    ok, data = cv2.imencode(ext, image, list(params))
    assert ok
    return data.tobytes()


def pil_bytes(image: Image.Image, fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge canvas, with a few bytes of data: a decompression bomb."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


def pdf_bytes(pages: int = 1, size: tuple[float, float] = (595, 842), text: bool = True, **extra) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    image = Image.fromarray(text_page()[:, :, ::-1]) if text else None
    for _ in range(pages):
        page = pdf.new_page(*size)
        if image is not None:
            picture = pdfium.PdfImage.new(pdf)
            picture.set_bitmap(pdfium.PdfBitmap.from_pil(image))
            picture.set_matrix(pdfium.PdfMatrix().scale(size[0] * 0.8, size[0] * 0.8 * image.height / image.width)
                               .translate(size[0] * 0.1, size[1] * 0.5))
            page.insert_obj(picture)
            page.gen_content()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def pdf_with_javascript() -> bytes:
    data = pdf_bytes()
    script = b"<< /S /JavaScript /JS (app.alert('hello');) >>"
    return data.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction " + script, 1)


def encrypted_pdf() -> bytes:
    """A PDF with an /Encrypt dictionary that no empty password opens."""
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"3 0 obj << /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 "
            b"/O <" + b"41" * 32 + b"> /U <" + b"42" * 32 + b"> >> endobj\n"
            b"trailer << /Root 1 0 R /Encrypt 3 0 R /ID [<00112233445566778899aabbccddeeff>"
            b"<00112233445566778899aabbccddeeff>] /Size 4 >>\n%%EOF\n")


def zero_page_pdf() -> bytes:
    """A well-formed PDF (catalog, page tree, xref) whose page tree is empty."""
    return pdf_bytes(0)


def broken_xref_pdf() -> bytes:
    data = pdf_bytes()
    start = data.rfind(b"startxref")
    return data[:start] + b"startxref\n999999\n%%EOF\n"


def tiff(frames: int, size=(64, 48)) -> bytes:
    images = [Image.new("L", size, 255) for _ in range(frames)]
    return pil_bytes(images[0], "TIFF", save_all=True, append_images=images[1:], compression="tiff_lzw")


def exif_rotated_jpeg() -> bytes:
    """Stored sideways with an EXIF orientation saying "turn me": viewers show it upright."""
    image = Image.fromarray(np.ascontiguousarray(cv2.rotate(text_page(), cv2.ROTATE_90_CLOCKWISE)[:, :, ::-1]))
    exif = image.getexif()
    exif[0x0112] = 8  # rotate 90 CW to view
    return pil_bytes(image, "JPEG", exif=exif.tobytes(), quality=92)


def animated_gif() -> bytes:
    frames = [Image.fromarray(text_page()[:, :, ::-1]).convert("P") for _ in range(3)]
    return pil_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def kinds() -> list[Hostile]:
    page = text_page()
    rgb = Image.fromarray(page[:, :, ::-1])
    png, jpeg = encode(page, ".png"), encode(page, ".jpg", cv2.IMWRITE_JPEG_QUALITY, 90)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("invoice.png", png)
    valid = {"schema_version": "1.0", "document_id": "$ID", "document_uri": "$URI"}
    return [
        Hostile("zero-bytes", "EMPTY_DOCUMENT", b""),
        Hostile("truncated-jpeg", "CORRUPT_DOCUMENT", jpeg[: len(jpeg) // 3]),
        Hostile("truncated-png", "CORRUPT_DOCUMENT", png[: len(png) // 3]),
        Hostile("png-named-pdf", COMPLETED, png, key="wrong-extension.pdf", reads=READS),
        Hostile("plain-text", "UNSUPPORTED_FORMAT", b"Dear sir, please find attached my invoice.\n" * 20),
        Hostile("html", "UNSUPPORTED_FORMAT", b"<!doctype html><html><body><img src=x onerror=alert(1)></body></html>"),
        Hostile("svg", "UNSUPPORTED_FORMAT", b'<svg xmlns="http://www.w3.org/2000/svg"><text>hi</text></svg>'),
        Hostile("zip", "UNSUPPORTED_FORMAT", zipped.getvalue()),
        Hostile("elf-executable", "UNSUPPORTED_FORMAT", b"\x7fELF\x02\x01\x01" + b"\0" * 200),
        Hostile("windows-executable", "UNSUPPORTED_FORMAT", b"MZ\x90\x00" + b"\0" * 200),
        Hostile("png-bomb-100000x100000", "DOCUMENT_TOO_LARGE", png_claiming(100_000, 100_000)),
        Hostile("one-pixel", COMPLETED, encode(np.zeros((1, 1, 3), np.uint8), ".png")),
        Hostile("all-white", COMPLETED, encode(np.full((1400, 1000, 3), 255, np.uint8), ".png")),
        Hostile("all-black", COMPLETED, encode(np.zeros((1400, 1000, 3), np.uint8), ".png")),
        Hostile("strip-20000x50", COMPLETED, encode(np.full((50, 20000, 3), 255, np.uint8), ".png")),
        Hostile("png-16-bit", COMPLETED, encode((page.astype(np.uint16) * 257), ".png"), reads=READS),
        Hostile("png-palette", COMPLETED, pil_bytes(rgb.convert("P"), "PNG"), reads=READS),
        Hostile("jpeg-cmyk", COMPLETED, pil_bytes(rgb.convert("CMYK"), "JPEG"), reads=READS),
        Hostile("png-alpha", COMPLETED, pil_bytes(rgb.convert("RGBA"), "PNG"), reads=READS),
        Hostile("jpeg-exif-rotated", COMPLETED, exif_rotated_jpeg(), reads=READS),
        Hostile("gif-animated", "UNSUPPORTED_FORMAT", animated_gif()),
        Hostile("tiff-600-frames", "DOCUMENT_TOO_LARGE", tiff(600)),
        Hostile("tiff-120-frames", COMPLETED, tiff(120)),
        Hostile("pdf-encrypted", "ENCRYPTED_DOCUMENT", encrypted_pdf()),
        Hostile("pdf-malformed", "CORRUPT_DOCUMENT", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage\n"),
        Hostile("pdf-zero-pages", "EMPTY_DOCUMENT", zero_page_pdf()),
        Hostile("pdf-2000-pages", "DOCUMENT_TOO_LARGE", pdf_bytes(2000, text=False)),
        Hostile("pdf-huge-page", COMPLETED, pdf_bytes(1, size=(14_400, 14_400)), reads=READS),
        Hostile("pdf-javascript", COMPLETED, pdf_with_javascript(), reads=READS),
        Hostile("pdf-broken-xref", (COMPLETED, "CORRUPT_DOCUMENT"), broken_xref_pdf()),
        Hostile("key-with-spaces-unicode-dotdot", COMPLETED, png, reads=READS,
                key="inbox/../Re\u0301sume\u0301 d\u00e9j\u00e0 vu/../a b.png"),
        Hostile("missing-object", "STORAGE_ERROR", None),
        Hostile("object-over-the-size-limit", "DOCUMENT_TOO_LARGE", png + b"\0" * 4096,
                env={"OCRFLOW_INGEST_MAX_BYTES": str(len(png) + 1024)}),
        Hostile("event-missing-uri", "INVALID_PAYLOAD", detail={"schema_version": "1.0", "document_id": "$ID"}),
        Hostile("event-extra-fields", COMPLETED, png, reads=READS,
                detail={**valid, "priority": "high", "tags": ["a"], "x": {}}),
        Hostile("event-wrong-types", "INVALID_PAYLOAD", png, detail={"document_id": 12345, "document_uri": ["$URI"]}),
        Hostile("event-schema-version-2", "INVALID_PAYLOAD", png, detail={**valid, "schema_version": "2.0"}),
        Hostile("event-https-uri", "INVALID_PAYLOAD", detail={**valid, "document_uri": "https://example.com/a.pdf"}),
        Hostile("event-unsafe-document-id", "INVALID_PAYLOAD", png,
                detail={**valid, "document_id": "../../etc/passwd"}),
        Hostile("event-detail-not-an-object", "INVALID_PAYLOAD", detail="just a string"),
    ]


def submission(case: Hostile, document_id: str, uri: str):
    """The DocumentSubmitted detail for a case, placeholders filled."""
    if case.detail is None:
        return {"schema_version": "1.0", "document_id": document_id, "document_uri": uri}
    if isinstance(case.detail, str):
        return case.detail
    filled = json.dumps(case.detail).replace("$ID", document_id).replace("$URI", uri)
    return json.loads(filled)


def reported_id(detail, document_id: str) -> str:
    """The id ocrflow's answer carries: the event's own when the contract accepts it, else "unknown"."""
    from ocrflow.schema.events import DOCUMENT_ID_PATTERN

    value = detail.get("document_id") if isinstance(detail, dict) else None
    return value if isinstance(value, str) and re.fullmatch(DOCUMENT_ID_PATTERN, value) else "unknown"


def reset_peak() -> bool:
    """Reset the process's peak resident memory (VmHWM, Linux); False where it cannot be."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def memory_mb(field: str = "VmHWM") -> int:
    """The process's peak (VmHWM) or current (VmRSS) resident memory."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field))
    return int(line.split()[1]) // 1024


@dataclass
class Ran:
    outcome: object
    detail: object
    uri: str
    seconds: float
    added_mb: int  # how far the peak rose above the resident memory the run started with

    @property
    def answers(self) -> list[dict]:
        return [e for e in self.outcome.events if e["detail-type"] in ("OcrCompleted", "OcrFailed")]

    @property
    def got(self) -> str:
        answer = self.answers[-1]
        return COMPLETED if answer["detail-type"] == "OcrCompleted" else answer["detail"]["error_code"]


def run_case(runner, case: Hostile, bucket: str) -> Ran:
    """Upload the case's object, submit its event through the local state machine, measure."""
    key = case.key or f"hostile/{case.name}"
    uri = f"s3://{bucket}/{key}"
    if case.data is not None:
        runner.machine.upload(case.data, key)
    detail = submission(case, f"hostile-{case.name}", uri)
    saved = {name: os.environ.get(name) for name in case.env}
    os.environ.update(case.env)
    measured = reset_peak()
    base = memory_mb("VmRSS") if measured else 0
    start = time.perf_counter()
    try:
        outcome = runner.run_detail(detail)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return Ran(outcome, detail, uri, time.perf_counter() - start, memory_mb() - base if measured else 0)
