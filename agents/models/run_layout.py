"""Where a run keeps its checkpoints, and the `latest` pointer: the one place that writes and
reads them (training writes through `RunFolder`, players read a run folder through here).

    RUN/checkpoints/step_0000000400/   a checkpoint (see `checkpoint.py`)
    RUN/latest                         the name of the newest complete checkpoint
"""

from __future__ import annotations

from pathlib import Path

from boardzoo.agents.atomic import write_atomically
from boardzoo.agents.models.checkpoint import CheckpointError, read_config

CHECKPOINTS_FOLDER = "checkpoints"
CHECKPOINT_PREFIX = "step_"
LATEST_FILE = "latest"


def checkpoint_name(step: int) -> str:
    return f"{CHECKPOINT_PREFIX}{step:010d}"


def is_run_folder(path: Path) -> bool:
    return (path / LATEST_FILE).is_file() or (path / CHECKPOINTS_FOLDER).is_dir()


def checkpoint_folders(run: Path) -> list[Path]:
    """The run's checkpoint folders, oldest step first."""
    folder = run / CHECKPOINTS_FOLDER
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_dir() and p.name.startswith(CHECKPOINT_PREFIX)]
    return sorted(found, key=_step_of)


def point_latest(run: Path, checkpoint: Path) -> None:
    """Make `latest` name `checkpoint` (atomically; written only after the checkpoint is)."""
    write_atomically(run / LATEST_FILE, checkpoint.name + "\n")


def latest_checkpoint(run: Path, *, repair: bool = False) -> Path | None:
    """The checkpoint `latest` names if it is complete, else the newest readable one (and with
    `repair`, `latest` is rewritten to name it); None if the run has none."""
    pointer = run / LATEST_FILE
    if pointer.is_file():
        named = run / CHECKPOINTS_FOLDER / pointer.read_text().strip()
        if (named / "config.json").is_file():
            return named
    for candidate in reversed(checkpoint_folders(run)):
        try:
            read_config(candidate)
        except CheckpointError:
            continue
        if repair:
            point_latest(run, candidate)
        return candidate
    return None


def _step_of(folder: Path) -> int:
    digits = folder.name[len(CHECKPOINT_PREFIX) :]
    return int(digits) if digits.isdigit() else -1
