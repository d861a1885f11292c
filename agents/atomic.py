"""Atomic writes: a crash leaves the old file (or folder) or the new one, never half of either.

The one home of "write to a staging name, fsync, rename" in boardzoo.agents: checkpoints,
the run folder's `latest` pointer, datasets and reports all go through these two functions.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

STAGING_PREFIX = ".staging-"
"""folders and files being written carry this prefix until they are renamed into place"""


def write_atomically(path: str | Path, content: bytes | str) -> Path:
    """Write `content` to `path` through a staging file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    staging = path.with_name(f"{STAGING_PREFIX}{path.name}.{os.getpid()}")
    try:
        _write_synced(staging, data, path)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
    return path


def _write_synced(file: Path, data: bytes, target: Path) -> None:
    # A failed write (full disk, file-size limit) names the file the caller asked for.
    try:
        with open(file, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        raise OSError(error.errno, f"cannot write {target}: {error.strerror or error}") from error


def write_folder_atomically(path: str | Path, files: dict[str, bytes]) -> Path:
    """Create or replace the folder `path` holding exactly `files` (name -> bytes).

    The files are written and fsynced in a staging folder beside `path`, which is then renamed
    into place (an existing folder is first moved aside, then deleted).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{path.name}.", dir=path.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the result is an ordinary folder
    try:
        for name, content in files.items():
            _write_synced(staging / name, content, path / name)
        if path.exists():
            retired = path.parent / f"{STAGING_PREFIX}{path.name}.old-{os.getpid()}"
            os.replace(path, retired)
            os.replace(staging, path)
            shutil.rmtree(retired)
        else:
            os.replace(staging, path)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return path


def remove_staging_leftovers(folder: str | Path) -> list[Path]:
    """Delete staging files and folders a killed writer left in `folder`; returns what was removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for entry in folder.iterdir():
        if entry.name.startswith(STAGING_PREFIX):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
