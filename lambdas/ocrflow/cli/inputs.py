"""What ``ocrflow run`` reads and where it writes: files, folders (``-r`` for subfolders) and
``-`` for standard input; outputs under ``--out`` keep the input's relative path and never
replace an existing file unless told to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SUFFIXES = {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
STDIN = "-"


@dataclass(frozen=True)
class Input:
    name: str  # as the user wrote it (or the path found in a folder): what stderr lines start with
    path: Path | None  # None for standard input
    relative: Path  # where its output goes under --out


def expand(arguments: list[str], recursive: bool) -> list[Input]:
    """Files as given; a folder's supported files (by suffix) in name order."""
    out = []
    for argument in arguments:
        if argument == STDIN:
            out.append(Input(STDIN, None, Path("stdin")))
            continue
        path = Path(argument)
        if path.is_dir():
            found = path.rglob("*") if recursive else path.glob("*")
            for file in sorted(f for f in found if f.is_file() and f.suffix.lower() in SUFFIXES):
                out.append(Input(str(file), file, file.relative_to(path)))
            continue
        relative = path if not path.is_absolute() and ".." not in path.parts else Path(path.name)
        out.append(Input(argument, path, relative))
    return out


def output_path(out: Path, item: Input, suffix: str) -> Path:
    """DIR/relative/path/name<suffix>: ``a/x.png`` and ``b/x.png`` never write to the same file."""
    stem = item.relative.name.rsplit(".", 1)[0] if "." in item.relative.name else item.relative.name
    return out / item.relative.parent / (stem + suffix)
