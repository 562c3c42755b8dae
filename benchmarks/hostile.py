"""Every hostile input through the local state machine: the answer, the time and the peak memory.

    python benchmarks/hostile.py     # a Markdown table (the test asserts the same outcomes)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ocrflow.local.runner import LocalRunner  # noqa: E402
from ocrflow.local.statemachine import INPUT_BUCKET  # noqa: E402
from tests.hostile_inputs import kinds, run_case  # noqa: E402


def main() -> None:
    runner = LocalRunner()
    runner.run_detail({"document_id": "warm-up", "document_uri": "s3://ocrflow-input/none"})
    print("| input | expected | got | seconds | peak memory added (MB) |\n|---|---|---|---|---|")
    try:
        for case in kinds():
            ran = run_case(runner, case, INPUT_BUCKET)
            got = ran.got + ("" if ran.got in case.accepted else " (unexpected)")
            expected = " or ".join(case.accepted)
            print(f"| {case.name} | {expected} | {got} | {ran.seconds:.2f} | {ran.added_mb} |", flush=True)
    finally:
        runner.close()


if __name__ == "__main__":
    main()
