"""One document at a prompt: what a user waits for from Enter to the answer, each command a whole
process (interpreter start, imports, model loads, the page), and ``ocrflow run`` again where
``ocrflow daemon start`` keeps the state machine warm."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from ..cli.daemon import request
from ..cli.daemon_channel import DIRECTORY_VARIABLE

# Started by a small interpreter so that the peak memory reported is the command's own: a child
# forked from the benchmark process would report the benchmark's memory as its peak.
TIMER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"ms": (time.perf_counter() - start) * 1e3,
                  "peak_mb": peak / (1024 * 1024 if sys.platform == "darwin" else 1024)}))
"""


def commands(path: str, python: str, peer_python: str) -> dict[str, list[str]]:
    found = {"ocrflow run": [python, "-m", "ocrflow", "run", path, "--format", "text", "--no-daemon"],
             "ocrflow.ocr()": [python, "-c", f"import ocrflow; ocrflow.ocr({path!r}).text"]}
    if subprocess.run([peer_python, "-c", "import rapidocr"], capture_output=True).returncode == 0:
        found["rapidocr"] = [peer_python, "-c", f"from rapidocr import RapidOCR; RapidOCR()({path!r})"]
    if shutil.which("tesseract"):
        found["tesseract"] = ["tesseract", path, "stdout"]
    return found


def timed(python: str, command: list[str], env: dict | None = None) -> dict[str, float]:
    run = subprocess.run([python, "-c", TIMER, *command], capture_output=True, text=True, check=True, env=env)
    return json.loads(run.stdout)


def median_of(runs: list[dict]) -> dict[str, float]:
    return {"ms": statistics.median(r["ms"] for r in runs), "peak_mb": max(r["peak_mb"] for r in runs)}


def fresh_process(path: str, python: str, peer_python: str, repeats: int = 3) -> dict[str, dict[str, float]]:
    """Median wall milliseconds and peak resident memory of each command, the commands interleaved
    ``repeats`` times; then ``ocrflow run`` through a daemon, where the document is an image."""
    found = commands(path, python, peer_python)
    runs: dict[str, list[dict]] = {name: [] for name in found}
    for _ in range(repeats):
        for name, command in found.items():
            runs[name].append(timed(python, command))
    out = {name: median_of(values) for name, values in runs.items()}
    warm = through_daemon(path, python, repeats)
    if warm is not None:
        out["ocrflow run, daemon started"] = warm
    return out


def through_daemon(path: str, python: str, repeats: int = 3) -> dict[str, float] | None:
    """``ocrflow run`` with a daemon of its own (a private directory), each time on pixels the
    daemon has not read, re-encoded: a file it has read answers from its stored result (a
    duplicate), which is not what a new page costs. The peak memory is the client's."""
    # OpenCV only to write the fresh process's test page
    import cv2

    image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if image is None:  # a PDF: no re-encoding without changing what is read
        return None
    with tempfile.TemporaryDirectory(prefix="ocrflow-bench-") as tmp:
        env = os.environ | {DIRECTORY_VARIABLE: str(Path(tmp) / "daemon")}
        if subprocess.run([python, "-m", "ocrflow", "daemon", "start"], env=env, capture_output=True).returncode:
            return None
        try:
            runs = []
            for level in range(1, repeats + 1):
                copy = Path(tmp) / f"page-{level}.png"
                cv2.imwrite(str(copy), image, [cv2.IMWRITE_PNG_COMPRESSION, level])
                runs.append(timed(python, [python, "-m", "ocrflow", "run", str(copy), "--format", "text"], env))
            served = request("status", Path(env[DIRECTORY_VARIABLE]))
        finally:
            subprocess.run([python, "-m", "ocrflow", "daemon", "stop"], env=env, capture_output=True)
    if served is None or served["documents"] != repeats:  # a run refused by the daemon ran in process
        return None
    return median_of(runs)
