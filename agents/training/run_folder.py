"""The run folder every trainer writes, and the one implementation of its rules.

    OUT/checkpoints/step_0000000400/   see `boardzoo.agents.models.checkpoint`
    OUT/latest                         name of the newest complete checkpoint
    OUT/metrics.jsonl                  one JSON object per record (kind, step, ...)
    OUT/tensorboard/                   the same scalars for TensorBoard

A checkpoint is written atomically, then `latest` is pointed at it, then older checkpoints
beyond `keep` are deleted (never the one `latest` names). A folder left by a kill is repaired
on the next start: staging leftovers are removed, and a missing or dangling `latest` falls back
to the newest complete checkpoint.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch

from boardzoo.agents.atomic import remove_staging_leftovers, write_atomically
from boardzoo.agents.models import CheckpointError, save_checkpoint
from boardzoo.agents.models.run_layout import (
    CHECKPOINTS_FOLDER,
    checkpoint_folders,
    checkpoint_name,
    latest_checkpoint,
    point_latest,
)
from boardzoo.envs import Game

METRICS_FILE = "metrics.jsonl"


class RunFolder:
    """A run's folder on disk (created by `prepare`).

    Args:
      path: the folder.
      keep: newest checkpoints kept.
      tensorboard: also write metrics as TensorBoard scalars.
    """

    def __init__(self, path: str | Path, *, keep: int = 3, tensorboard: bool = False) -> None:
        if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
            raise ValueError(f"keep_checkpoints must be a positive int, got {keep!r}")
        self.path = Path(path)
        self.checkpoints = self.path / CHECKPOINTS_FOLDER
        self.keep = keep
        self.tensorboard = tensorboard
        self._writer: Any = None

    def prepare(self) -> None:
        """Create the folder and clear what a killed writer left behind."""
        self.checkpoints.mkdir(parents=True, exist_ok=True)
        remove_staging_leftovers(self.path)
        remove_staging_leftovers(self.checkpoints)

    def latest(self) -> Path | None:
        """The newest complete checkpoint: the one `latest` names, else the newest readable one
        (and `latest` is then rewritten to name it)."""
        return latest_checkpoint(self.path, repair=True)

    def rewind_metrics(self, step: int) -> None:
        """Drop metric records past `step` (logged after the checkpoint a run resumes from), so
        that after a resume every step is in metrics.jsonl once."""
        file = self.path / METRICS_FILE
        if not file.is_file():
            return
        lines = file.read_text().splitlines()
        kept = [line for line in lines if line.strip() and json.loads(line).get("step", 0) <= step]
        if len(kept) != len(lines):
            write_atomically(file, "".join(line + "\n" for line in kept))

    def save(self, step: int, game: Game, network: torch.nn.Module, **checkpoint: Any) -> Path:
        """Write checkpoint `step` (keywords as `save_checkpoint`), point `latest` at it, prune."""
        path = save_checkpoint(self.checkpoints / checkpoint_name(step), game, network, step=step, **checkpoint)
        point_latest(self.path, path)
        for old in checkpoint_folders(self.path)[: -self.keep]:
            if old != path:
                shutil.rmtree(old)
        return path

    def log(self, record: dict[str, Any]) -> None:
        """Append a record ("kind" and "step" keys) to metrics.jsonl and TensorBoard."""
        with open(self.path / METRICS_FILE, "a") as handle:
            handle.write(json.dumps(record) + "\n")
        if not self.tensorboard:
            return
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(str(self.path / "tensorboard"))
        for name, value in record.items():
            if name not in ("kind", "step") and isinstance(value, int | float) and not isinstance(value, bool):
                self._writer.add_scalar(f"{record['kind']}/{name}", value, record["step"])
        self._writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def check_resumable(path: Path, saved: dict[str, Any], mine: dict[str, Any], may_change: tuple[str, ...]) -> None:
    """Refuse to resume a run whose recorded config differs from `mine` outside `may_change`."""
    differing = sorted(k for k in mine if k not in may_change and _jsonable(mine[k]) != _jsonable(saved.get(k)))
    if differing:
        raise CheckpointError(
            f"{path} holds a run with a different config ({', '.join(differing)}); resume with "
            f"the same settings (only {', '.join(may_change)} may change) or choose another out"
        )


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value))
