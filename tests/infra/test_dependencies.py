"""What each place installs is what its code imports. The Lambda image installs
``lambdas/requirements/function.txt`` and nothing else (lambdas/Dockerfile): that set must hold every
package the handlers import, at import time and inside functions, and none of the laptop's
(``laptop.txt``: moto, tqdm, onnx), not even as a dependency of a dependency. The CDK app
(``infra/requirements.txt``) imports ocrflow's light modules only."""

from __future__ import annotations

import importlib.metadata as metadata
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "lambdas" / "requirements"
# Loaded where installed, never needed: setuptools' distutils hook (a .pth file every interpreter runs)
# and certifi, which botocore prefers to its own CA bundle when it is there.
AMBIENT = {"setuptools", "certifi"}


def requirements(name: str, folder: Path | None = None) -> list[Requirement]:
    lines = ((folder or REQUIREMENTS) / name).read_text().splitlines()
    return [Requirement(line) for line in (line.split("#")[0].strip() for line in lines) if line]


@cache
def closure(name: str = "function.txt", folder: Path | None = None) -> frozenset[str]:
    """The distributions that installing a requirements file installs (function.txt by default; read
    from this environment's metadata)."""
    seen: set[str] = set()
    pending = [(r, frozenset(r.extras)) for r in requirements(name, folder)]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        key = f"{name}[{','.join(sorted(extras))}]"
        if key in seen:
            continue
        seen.add(key)
        for line in metadata.requires(requirement.name) or []:
            child = Requirement(line)
            if child.marker is None or any(child.marker.evaluate({"extra": e}) for e in extras or {""}):
                pending.append((child, frozenset(child.extras)))
    return frozenset(key.split("[")[0] for key in seen)


def distributions_of(modules: set[str]) -> set[str]:
    """Third-party distributions that provide these top-level modules (the standard library has none)."""
    providers = metadata.packages_distributions()
    return {canonicalize_name(d) for m in modules for d in providers.get(m, ())} - {"ocrflow"}


def entry_modules() -> list[str]:
    """The handler modules, and the stage modules the registry names by string (loaded with import_module)."""
    handlers = sorted(f"ocrflow.handlers.{p.stem}" for p in (REPO / "lambdas/ocrflow/handlers").glob("*.py")
                      if p.stem != "__init__")
    named = re.findall(r'"(ocrflow(?:\.\w+)+):\w+"', (REPO / "lambdas/ocrflow/registry.py").read_text())
    return handlers + sorted(set(named))


def test_the_handlers_import_only_what_function_txt_installs():
    """Every import the handlers can reach, in any function, by the import graph."""
    import grimp

    graph = grimp.build_graph("ocrflow", include_external_packages=True, exclude_type_checking_imports=True)
    reached: set[str] = set()
    for module in entry_modules():
        reached |= graph.find_upstream_modules(module) | {module}
    third_party = distributions_of({m.split(".")[0] for m in reached if not m.startswith("ocrflow")})
    assert third_party, "the graph found the handlers' imports"
    assert third_party <= closure(), f"imported by the handlers, not in function.txt: {sorted(third_party - closure())}"


def test_importing_the_handlers_loads_only_what_function_txt_installs():
    """The same, as the Lambda runtime imports a handler (catches what the graph cannot see)."""
    code = ("import importlib, sys\n"
            f"for name in {entry_modules()!r}: importlib.import_module(name)\n"
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            env={"AWS_DEFAULT_REGION": "eu-west-1", "POWERTOOLS_TRACE_DISABLED": "true",
                                 "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = distributions_of(set(result.stdout.split())) - AMBIENT
    assert loaded <= closure(), f"loaded by the handlers, not in function.txt: {sorted(loaded - closure())}"


def test_the_laptop_stays_out_of_the_lambda_image():
    laptop = {canonicalize_name(r.name) for r in requirements("laptop.txt")}
    assert laptop == {"moto", "tqdm", "onnx"}
    assert not laptop & closure(), f"function.txt pulls in {sorted(laptop & closure())}"
    assert not {"matplotlib", "starlette", "uvicorn", "httpx2"} & closure()


def test_the_dockerfile_installs_function_txt_alone():
    dockerfile = (REPO / "lambdas" / "Dockerfile").read_text()
    lambda_stage = dockerfile.split("AS lambda", 1)[1].split("AS serving", 1)[0]
    assert 'pip install --no-cache-dir --no-deps .' in lambda_stage
    assert "pip install --no-cache-dir -r lambdas/requirements/function.txt" in lambda_stage
    assert "COPY --from=models /opt/models /opt/models" in lambda_stage


def test_the_cdk_app_loads_none_of_the_pipelines_heavy_packages():
    """infra/requirements.txt lists pydantic for ocrflow's modules, not numpy or OpenCV: so it must hold."""
    code = ("import sys; sys.path.insert(0, 'infra'); import ocrflow_infra.stack, ocrflow_infra.textract_api; "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO,
                            env={"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = distributions_of(set(result.stdout.split())) - AMBIENT
    listed = {canonicalize_name(Requirement(line).name) for line in
              (REPO / "infra" / "requirements.txt").read_text().splitlines() if line.strip() and line[0] != "#"}
    assert not {"numpy", "opencv-python-headless", "onnxruntime", "pillow"} & loaded
    assert {"pydantic", "aws-cdk-lib"} <= loaded and "pydantic" in listed
    # everything the app loads is installed by infra/requirements.txt (ocrflow itself is the checkout's)
    assert loaded - closure("requirements.txt", REPO / "infra") - {"ocrflow"} == set()
