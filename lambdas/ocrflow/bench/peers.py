"""The engines people compare ocrflow with, run on the same documents in the same run: RapidOCR
(Python API, one engine reused, as its README shows) and Tesseract (its command line, one process
per document, as people script it). Each is skipped, with the reason, where it is not installed:
RapidOCR is ``pip install rapidocr==3.10.0``, Tesseract the ``tesseract-ocr`` system package."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field

from .corpus import BenchDocument


@dataclass
class PeerRun:
    name: str
    version: str = ""
    skipped: str | None = None
    document_ms: list[float] = field(default_factory=list)
    texts: list[list[str]] = field(default_factory=list)  # lines read, per document


# Runs in the interpreter that has RapidOCR (its own virtual environment: it pins opencv-python,
# which must not share a site-packages with ocrflow's opencv-python-headless). Reads paths on stdin,
# answers one JSON line per document.
RAPIDOCR_WORKER = """
import json, logging, sys, time
from importlib.metadata import version
from rapidocr import RapidOCR
logging.getLogger("RapidOCR").setLevel(logging.ERROR)
engine = RapidOCR()
print(json.dumps({"version": version("rapidocr")}), flush=True)
for path in sys.stdin:
    start = time.perf_counter()
    result = engine(path.strip())
    print(json.dumps({"ms": (time.perf_counter() - start) * 1e3, "lines": list(result.txts or [])}), flush=True)
"""


def rapidocr(documents: list[BenchDocument], python: str) -> PeerRun:
    probe = subprocess.run([python, "-c", "import rapidocr"], capture_output=True)
    if probe.returncode != 0:
        return PeerRun("rapidocr", skipped=f"not importable by {python} (pip install rapidocr==3.10.0 in a "
                       "virtual environment of its own; --peer-python names its interpreter)")
    paths = [str(d.path) for d in [documents[0], *documents]]  # the first one again: a warm-up
    worker = subprocess.run([python, "-c", RAPIDOCR_WORKER], input="\n".join(paths) + "\n",
                            capture_output=True, text=True)
    answers = [json.loads(line) for line in worker.stdout.splitlines() if line.startswith("{")]
    if worker.returncode != 0 or len(answers) != len(paths) + 1:
        return PeerRun("rapidocr", skipped="failed: " + (worker.stderr.strip().splitlines() or ["?"])[-1])
    run = PeerRun("rapidocr", version=answers[0]["version"])
    for answer in answers[2:]:
        run.document_ms.append(answer["ms"])
        run.texts.append(answer["lines"])
    return run


def tesseract(documents: list[BenchDocument], python: str = "") -> PeerRun:
    binary = shutil.which("tesseract")
    if binary is None:
        return PeerRun("tesseract", skipped="not installed (apt-get install tesseract-ocr)")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    run = PeerRun("tesseract", version=version.replace("tesseract ", ""))
    for document in documents:
        start = time.perf_counter()
        out = subprocess.run([binary, str(document.path), "stdout"], capture_output=True, text=True)
        run.document_ms.append((time.perf_counter() - start) * 1e3)
        run.texts.append([line for line in out.stdout.splitlines() if line.strip()])
    return run


PEERS = {"rapidocr": rapidocr, "tesseract": tesseract}
