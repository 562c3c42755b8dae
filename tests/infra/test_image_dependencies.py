"""The Lambda image's dependency set, proven without Docker: install what the Dockerfile
installs (the project with its ``aws`` extra) into a clean virtual environment and import
every handler the functions name."""

from __future__ import annotations

import re
import subprocess
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_dockerfile_installs_the_aws_extra_and_fetches_models():
    dockerfile = (REPO / "lambdas" / "Dockerfile").read_text()
    assert 'pip install --no-cache-dir ".[aws]"' in dockerfile
    assert "ocrflow models fetch --dest /opt/models" in dockerfile
    assert "OCRFLOW_MODEL_DIR=/opt/models" in dockerfile


def test_every_handler_imports_in_a_clean_environment(tmp_path):
    from ocrflow.registry import PIPELINE_FUNCTIONS, SCORER

    handlers = {f.handler for f in (*PIPELINE_FUNCTIONS, SCORER)}

    env_dir = tmp_path / "image"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                              f"{REPO}[aws]"], capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    imports = "; ".join(f"from {h.rsplit('.', 1)[0]} import {h.rsplit('.', 1)[1]}" for h in sorted(handlers))
    check = subprocess.run(
        [str(python), "-c", imports],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "eu-west-1", "POWERTOOLS_TRACE_DISABLED": "true"})
    assert check.returncode == 0, check.stderr[-3000:]
    leaked = subprocess.run([str(python), "-c", "import moto"], capture_output=True, text=True, cwd=tmp_path)
    assert leaked.returncode != 0, "test-only packages must not be in the image"
    assert re.search(r"No module named 'moto'", leaked.stderr)


def test_synth_requirements_match_the_infra_extra():
    import tomllib

    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["infra"]
    listed = [line.strip() for line in (REPO / "infra" / "requirements.txt").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert set(extra) <= set(listed)
