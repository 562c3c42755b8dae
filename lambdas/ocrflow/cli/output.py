"""Writing ``ocrflow run --out`` files so that nothing already there is touched by accident.

Paths are walked from the ``--out`` folder one component at a time through directory file
descriptors opened with ``O_NOFOLLOW``, so a symbolic link planted below it (at the output file
or at a folder it creates) is never followed, and nothing can swap a folder for a link between
the check and the write. The content goes to a hidden temporary file first and is then linked
into place (which fails if anything, a dangling link included, has the name) or, with
``--overwrite``, renamed over it (which replaces a link itself, never its target). An interrupted
write leaves no partial output file. Permissions are the caller's umask applied explicitly, so a
daemon writing for a client gives the client's, not its own.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

NO_FOLLOW = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | NO_FOLLOW


class OutputExists(Exception):
    """The output file (or a folder on its way) exists or is a link; nothing was written."""


def current_umask() -> int:
    """The process's umask (read once, on the main thread: reading it means setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _is_link(parent: int, name: str) -> bool:
    with contextlib.suppress(FileNotFoundError):
        return stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
    return False


def _descend(parent: int, name: str, shown: Path, overwrite: bool, umask: int) -> int:
    """The folder ``name`` in ``parent``, created if missing; a link there is refused (or, with
    ``overwrite``, removed: the link, not what it points to)."""
    if _is_link(parent, name):
        if not overwrite:
            raise OutputExists(f"{shown} is a symbolic link; nothing written (--overwrite replaces the link, "
                               "not its target)")
        os.unlink(name, dir_fd=parent)
    with contextlib.suppress(FileExistsError):
        os.mkdir(name, 0o777 & ~umask, dir_fd=parent)
    try:
        return os.open(name, DIRECTORY, dir_fd=parent)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise OutputExists(f"{shown} exists and is not a folder; nothing written") from exc
        raise


def write_output(root: Path, target: Path, data: bytes, *, overwrite: bool, umask: int) -> None:
    """Write ``data`` to ``target`` (a path under ``root``, the ``--out`` folder the user named,
    which is taken as given even if it is a link) without following links below ``root``."""
    parts = target.relative_to(root).parts
    root.mkdir(parents=True, exist_ok=True, mode=0o777 & ~umask)
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        shown = root
        for name in parts[:-1]:
            shown = shown / name
            inner = _descend(folder, name, shown, overwrite, umask)
            os.close(folder)
            folder = inner
        _place(folder, parts[-1], target, data, overwrite, umask)
    finally:
        os.close(folder)


def _place(folder: int, name: str, target: Path, data: bytes, overwrite: bool, umask: int) -> None:
    if not overwrite and (_is_link(folder, name) or _exists(folder, name)):
        raise _exists_error(folder, name, target)
    temporary = f".{name}.{secrets.token_hex(4)}.part"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NO_FOLLOW, 0o600, dir_fd=folder)
    placed = False
    try:
        with os.fdopen(fd, "wb") as stream:
            os.fchmod(stream.fileno(), 0o666 & ~umask)
            stream.write(data)
        if overwrite:
            os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
        else:
            try:
                os.link(temporary, name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
            except FileExistsError:
                raise _exists_error(folder, name, target) from None
        placed = True
    finally:
        if not placed or not overwrite:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary, dir_fd=folder)


def _exists(folder: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _exists_error(folder: int, name: str, target: Path) -> OutputExists:
    if _is_link(folder, name):
        return OutputExists(f"{target} is a symbolic link; nothing written (--overwrite replaces the link, "
                            "not its target)")
    return OutputExists(f"{target} exists; nothing written (--overwrite replaces it)")
