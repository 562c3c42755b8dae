"""``ocrflow run`` in a real process on every hostile file: one stderr line per refused file, no
traceback, exit 1; and a long document leaves nothing but the result on stdout."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.hostile_inputs import COMPLETED, kinds, tiff

FILES = [case for case in kinds() if case.data is not None and case.detail is None and not case.env]


def ocrflow(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocrflow.cli", *args], capture_output=True, text=True,
                          timeout=600, cwd=cwd)


def test_every_hostile_file_gets_one_line_or_a_result(tmp_path):
    paths = {}
    for index, case in enumerate(FILES):
        name = Path(case.key).name if case.key else f"{index:02d}-{case.name}.bin"
        paths[case.name] = tmp_path / "in" / name
        paths[case.name].parent.mkdir(exist_ok=True)
        paths[case.name].write_bytes(case.data)
    run = ocrflow("run", "--format", "json", "--out", str(tmp_path / "out"), *map(str, paths.values()), cwd=tmp_path)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    answered = 0
    for case in FILES:
        mine = [line for line in lines if line.startswith(f"{paths[case.name]}: ")]
        written = list((tmp_path / "out").rglob(f"{paths[case.name].stem}.json"))
        assert len(mine) + len(written) == 1, (case.name, mine, written)  # a line or a result, never both
        if mine:
            code = re.match(rf"{re.escape(str(paths[case.name]))}: ([A-Z_]+): .+", mine[0]).group(1)
            assert code in case.accepted, mine[0]
            answered += 1
        else:
            assert COMPLETED in case.accepted, case.name
    assert answered == len(lines) >= 10, run.stderr


def test_a_long_document_leaves_only_its_result_on_stdout(tmp_path):
    path = tmp_path / "long.tiff"
    path.write_bytes(tiff(130))
    run = ocrflow("run", "--format", "json", str(path), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)  # nothing else on stdout: no EMF blobs, no logs
    assert len(document["pages"]) == 130
    assert run.stderr == ""
