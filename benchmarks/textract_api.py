"""What the Textract API adds to a page: DetectDocumentText through ``ocrflow serve --api textract``
(boto3 over loopback, base64, the reshape) against the same documents run in process by a local
runner (what ``ocrflow run`` does), one at a time, both warm.

    python benchmarks/textract_api.py [N]     # N receipts of ../shared/data/sroie-dev (default 10)
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import SHARED_DATA  # noqa: E402
from tests.functional.test_textract_api import local_server  # noqa: E402


def documents(count: int) -> list[Path]:
    manifest = SHARED_DATA / "sroie-dev" / "manifest.jsonl"
    lines = manifest.read_text().splitlines()[:count + 1]
    return [manifest.parent / json.loads(line)["source-ref"] for line in lines]


def main() -> None:
    import boto3

    from ocrflow.local.runner import LocalRunner

    files = documents(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
    warm, measured = files[0], files[1:]
    api, local = [], []
    with local_server() as settings:
        textract = boto3.client("textract", endpoint_url=settings["AWS_ENDPOINT_URL_TEXTRACT"],
                                region_name=settings["AWS_DEFAULT_REGION"], aws_access_key_id="testing",
                                aws_secret_access_key="testing")
        runner = LocalRunner()
        try:
            textract.detect_document_text(Document={"Bytes": warm.read_bytes()})
            runner.run_source((warm.name, warm.read_bytes()))
            for path in measured:  # alternated, so that a busy machine slows both alike
                start = time.perf_counter()
                textract.detect_document_text(Document={"Bytes": path.read_bytes()})
                api.append(time.perf_counter() - start)
                start = time.perf_counter()
                runner.run_source((path.name, path.read_bytes())).document.to_textract()
                local.append(time.perf_counter() - start)
        finally:
            runner.close()
    api_ms, local_ms = statistics.median(api) * 1e3, statistics.median(local) * 1e3
    print(f"| path | median ms per receipt ({len(measured)}) |\n|---|---|")
    print(f"| DetectDocumentText via the local API | {api_ms:.0f} |")
    print(f"| the same files in process (local runner + to_textract) | {local_ms:.0f} |")
    print(f"| API / in process | {api_ms / local_ms:.2f} |")


if __name__ == "__main__":
    main()
