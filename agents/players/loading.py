"""The one place that turns a network or a checkpoint into a player.

    player = load_player("runs/connect_four")                  # latest checkpoint of a run, with search
    player = load_player("connect_four", simulations=64)       # the pretrained agent shipped with boardzoo
    player = load_player("runs/hex/checkpoints/step_00004000", simulations=0)   # network only
    player = network_player(game, network, simulations=32, algorithm="gumbel")

A source is a checkpoint folder, a run folder (its `latest` checkpoint is used), or the name
of a pretrained agent (`PRETRAINED`). `simulations` = 0 plays the network alone (its most
probable legal move); otherwise the network searches with PUCT (most visited move) or Gumbel
(deterministic root choice). PUCT is the default for play even where self-play uses Gumbel:
on the Connect Four preset's network, PUCT with 64 simulations scored 0.90 against UCT with
1,000 rollouts where deterministic Gumbel scored 0.62 (100 games each); Gumbel's strength is
its policy-improvement target at few simulations.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import torch

from boardzoo.agents.models import Checkpoint, CheckpointError, TorchEvaluator, load_checkpoint, save_checkpoint
from boardzoo.agents.models.run_layout import is_run_folder, latest_checkpoint
from boardzoo.agents.players.base import Player
from boardzoo.agents.players.network import NetworkPlayer
from boardzoo.agents.players.search import SearchPlayer
from boardzoo.agents.search import GumbelConfig, SearchConfig
from boardzoo.envs import Game

DEFAULT_SIMULATIONS = 64
"""simulations per move of a network player that searches, wherever a caller gives none"""
ALGORITHMS = ("puct", "gumbel")
"""root choice of a searching network player"""
PRETRAINED = {"connect_four": "connect_four", "connect_four_small": "connect_four_small", "hex": "hex7"}
"""pretrained agent name -> folder under boardzoo/agents/pretrained"""


def network_player(
    game: Game,
    network: torch.nn.Module,
    *,
    simulations: int = DEFAULT_SIMULATIONS,
    algorithm: str = "puct",
    device: str | torch.device = "cpu",
    average_symmetries: bool = False,
) -> Player:
    """The network as a deterministic player: alone (`simulations` = 0) or with search (its
    evaluator traced and frozen for speed: the player sees the weights as they are now);
    `average_symmetries` evaluates every position under each board symmetry and averages
    (`TorchEvaluator`)."""
    if isinstance(simulations, bool) or not isinstance(simulations, int) or simulations < 0:
        raise ValueError(f"simulations must be an int >= 0 (0 = network alone), got {simulations!r}")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    if simulations == 0:
        return NetworkPlayer(game, network, device, frozen=True, average_symmetries=average_symmetries)
    evaluator = TorchEvaluator(game, network, device, frozen=True, average_symmetries=average_symmetries)
    if algorithm == "gumbel":
        config: SearchConfig | GumbelConfig = GumbelConfig(simulations=simulations, gumbel_scale=0.0)
    else:
        config = SearchConfig(simulations=simulations, rule="puct")
    return SearchPlayer(game, evaluator, config)


def resolve_checkpoint(source: str | Path) -> Path:
    """The checkpoint folder a source names (see the module docstring)."""
    if str(source) in PRETRAINED and not Path(source).exists():
        path = Path(str(files("boardzoo.agents").joinpath("pretrained", PRETRAINED[str(source)])))
        if not (path / "config.json").is_file():
            raise CheckpointError(f"the pretrained agent {source!r} is not installed at {path}")
        return path
    path = Path(source)
    if (path / "config.json").is_file():
        return path
    if is_run_folder(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise CheckpointError(f"the run folder {path} holds no complete checkpoint yet")
        return latest
    raise CheckpointError(
        f"{source!r} is neither a checkpoint folder, a run folder with a 'latest' file, "
        f"nor a pretrained agent ({', '.join(PRETRAINED)})"
    )


def load_agent(source: str | Path, game: Game | str | None = None, device: str | torch.device = "cpu") -> Checkpoint:
    """The checkpoint a source names, loaded (and checked against `game` if given)."""
    return load_checkpoint(resolve_checkpoint(source), game, device)


def load_player(
    source: str | Path,
    game: Game | str | None = None,
    *,
    simulations: int = DEFAULT_SIMULATIONS,
    algorithm: str = "puct",
    device: str | torch.device = "cpu",
    average_symmetries: bool = False,
) -> Player:
    """A player from a checkpoint source: its network with `simulations` of search (0 = alone),
    optionally averaged over the board symmetries (`network_player`)."""
    checkpoint = load_agent(source, game, device)
    return network_player(
        checkpoint.game,
        checkpoint.network,
        simulations=simulations,
        algorithm=algorithm,
        device=device,
        average_symmetries=average_symmetries,
    )


def export_agent(source: str | Path, destination: str | Path) -> Path:
    """Copy a checkpoint's network and config (no optimizer, replay or games) to `destination`:
    what a pretrained agent ships as."""
    checkpoint = load_agent(source)
    return save_checkpoint(
        destination,
        checkpoint.game,
        checkpoint.network,
        step=checkpoint.step,
        training_config=checkpoint.config.get("training"),
        extra={"exported_from": str(checkpoint.path)},
    )
