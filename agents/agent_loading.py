"""Checkpoints as players, in one line:

    player = load_player("runs/connect_four")                  # latest checkpoint of a run, with search
    player = load_player("connect_four", simulations=64)       # the pretrained agent shipped with boardzoo
    player = load_player("runs/hex/checkpoints/step_00004000", search=False)   # network only

A source is a checkpoint folder, a run folder (its `latest` checkpoint is used), or the name
of a pretrained agent (`PRETRAINED`).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import torch

from boardzoo.agents.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from boardzoo.agents.expert_iteration.evaluation import search_player
from boardzoo.agents.network_evaluator import NetworkPlayer
from boardzoo.agents.players import Player
from boardzoo.envs import Game

PRETRAINED = {"connect_four": "connect_four", "hex": "hex7"}
"""pretrained agent name -> folder under boardzoo/agents/pretrained"""


def resolve_checkpoint(source: str | Path) -> Path:
    """The checkpoint folder a source names (see the module docstring)."""
    if str(source) in PRETRAINED and not Path(source).exists():
        path = Path(str(files("boardzoo.agents").joinpath("pretrained", PRETRAINED[str(source)])))
        if not (path / "config.json").is_file():
            raise CheckpointError(f"the pretrained agent {source!r} is not installed at {path}")
        return path
    path = Path(source)
    if (path / "latest").is_file():
        return path / "checkpoints" / (path / "latest").read_text().strip()
    if (path / "config.json").is_file():
        return path
    raise CheckpointError(f"{source!r} is neither a checkpoint folder, a run folder with a 'latest' file, "
                          f"nor a pretrained agent ({', '.join(PRETRAINED)})")  # fmt: skip


def load_agent(source: str | Path, game: Game | str | None = None, device: str | torch.device = "cpu") -> Checkpoint:
    """The checkpoint a source names, loaded (and checked against `game` if given)."""
    return load_checkpoint(resolve_checkpoint(source), game, device)


def load_player(
    source: str | Path,
    game: Game | str | None = None,
    *,
    simulations: int = 64,
    algorithm: str = "puct",
    search: bool = True,
    device: str | torch.device = "cpu",
) -> Player:
    """A player from a checkpoint: the network with `simulations` of search (PUCT's most visited
    move by default, or Gumbel's deterministic choice), or the network alone (`search=False`,
    its most probable legal move)."""
    checkpoint = load_agent(source, game, device)
    if not search:
        return NetworkPlayer(checkpoint.game, checkpoint.network, device)
    return search_player(checkpoint.game, checkpoint.network, simulations, algorithm, device)


def export_agent(source: str | Path, destination: str | Path) -> Path:
    """Copy a checkpoint's network and config (no optimizer, replay or games) to `destination`:
    what a pretrained agent ships as."""
    checkpoint = load_agent(source)
    return save_checkpoint(destination, checkpoint.game, checkpoint.network, step=checkpoint.step,
                           training_config=checkpoint.config.get("training"),
                           extra={"exported_from": str(checkpoint.path)})  # fmt: skip
