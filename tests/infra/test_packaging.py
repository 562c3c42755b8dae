"""The wheel alone is enough: built from the repository, installed into a fresh virtual environment
outside the checkout (as a user, and as the Lambda image does), it runs ``ocrflow run``, the Python
API and every handler the stack deploys. Needs PyPI for the dependencies (pip's cache helps)."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import cv2
import pytest

from ocrflow.inference.models import model_specs
from ocrflow.registry import COMPLETER, DISPATCHER, PIPELINE_FUNCTIONS, SCORER, STARTER
from ocrflow.synthetic import render_page

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh environment with the built wheel installed."""
    root = tmp_path_factory.mktemp("fresh")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
                            "-w", str(root / "dist"), str(REPO)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    (wheel,) = (root / "dist").glob("ocrflow-*.whl")
    venv.EnvBuilder(with_pip=True).create(root / "env")
    python = root / "env" / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              str(wheel)], capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stderr[-3000:]
    return root, python


def run(root: Path, *command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), capture_output=True, text=True, timeout=600, cwd=root,
                          env={**os.environ, "PYTHONPATH": "", **(env or {})})


def test_the_wheel_holds_its_package_data(installed):
    root, python = installed
    check = run(root, str(python), "-c", "from ocrflow.inference.models import manifest; "
                "from ocrflow.orchestration.asl import build; from ocrflow.schema.patterns import PATTERNS; "
                "print(len(manifest()['models']), len(build()['States']), len(PATTERNS))")
    assert check.returncode == 0, check.stderr
    assert [int(n) for n in check.stdout.split()][0] == len(model_specs())  # the default and on-demand ones


def test_ocrflow_run_and_the_api_work_from_the_wheel(installed):
    root, python = installed
    page = root / "page.png"
    cv2.imwrite(str(page), render_page(["Installed from a wheel"])[0])
    ocrflow = str(python.parent / "ocrflow")
    fetched = run(root, ocrflow, "models", "fetch")  # verifies the cached files, downloads what is missing
    assert fetched.returncode == 0, fetched.stderr
    result = run(root, ocrflow, "run", str(page), "--format", "text")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Installed from a wheel\n" and result.stderr == ""
    api = run(root, str(python), "-c", f"import ocrflow; print(ocrflow.ocr({str(page)!r}).text, end='')")
    assert api.returncode == 0, api.stderr
    assert api.stdout == "Installed from a wheel\n"
    where = run(root, str(python), "-c", "import ocrflow; print(ocrflow.__file__)").stdout
    assert str(root / "env") in where and str(REPO) not in where, "the installed package, not the checkout"


def test_a_missing_model_is_one_clear_error(installed, tmp_path):
    root, python = installed
    page = root / "page.png"
    result = run(root, str(python.parent / "ocrflow"), "run", str(page), env={"OCRFLOW_MODEL_DIR": str(tmp_path)})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{page}: MODEL_ERROR: ") and "run `ocrflow models fetch`" in line


def test_every_handler_imports_in_the_lambda_environment(installed):
    root, python = installed
    handlers = sorted({f.handler for f in (*PIPELINE_FUNCTIONS, SCORER, STARTER, DISPATCHER, COMPLETER)})
    imports = "; ".join(f"from {h.rsplit('.', 1)[0]} import {h.rsplit('.', 1)[1]}" for h in handlers)
    check = run(root, str(python), "-c", imports + "; import sys; print('moto' in sys.modules)",
                env={"AWS_DEFAULT_REGION": "eu-west-1", "POWERTOOLS_TRACE_DISABLED": "true"})
    assert check.returncode == 0, check.stderr[-3000:]
    assert check.stdout.strip() == "False", "the handlers never load the local AWS emulation"


def test_dockerfile_installs_the_wheel_extras_and_fetches_models():
    dockerfile = (REPO / "lambdas" / "Dockerfile").read_text()
    assert 'pip install --no-cache-dir --no-deps .' in dockerfile
    assert 'pip install --no-cache-dir ".[serve]"' in dockerfile
    assert "ocrflow models fetch --dest /opt/models" in dockerfile
    assert "OCRFLOW_MODEL_DIR=/opt/models" in dockerfile


def test_synth_requirements_match_the_infra_extra():
    import tomllib

    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["infra"]
    listed = [line.strip() for line in (REPO / "infra" / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert set(extra) <= set(listed)
