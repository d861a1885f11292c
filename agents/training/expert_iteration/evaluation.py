"""Periodic evaluation of the network during training: the network with search and alone,
against the fixed opponent ladder (`boardzoo.agents.players.ladder`).

Evaluation draws from its own generator and never touches the training state, so it does
not change the run it observes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from boardzoo.agents.players import (
    DEFAULT_LADDER,
    DEFAULT_SIMULATIONS,
    Player,
    ladder,
    network_player,
    parse_spec,
    play_match,
)
from boardzoo.agents.players.loading import ALGORITHMS
from boardzoo.agents.validation import check_choice, check_ints
from boardzoo.envs import Game


@dataclass(frozen=True)
class EvaluationConfig:
    """How a training run measures its network."""

    interval: int = 1_000
    """learner steps between evaluations (0 = only at the end; negative = never)"""
    games: int = 40
    """games per opponent (seats alternated)"""
    simulations: int = DEFAULT_SIMULATIONS
    """simulations per move of the evaluated search player (the network alone is evaluated too)"""
    algorithm: str = "puct"
    """root choice of the evaluated search player: "puct" (most visited move) or "gumbel" (no noise)"""
    ladder: tuple[str, ...] = DEFAULT_LADDER
    """opponent specs: random, uct:<simulations>, search:<checkpoint>[:<simulations>], network:<checkpoint>"""

    def __post_init__(self) -> None:
        check_ints(self, ("interval",), minimum=None)
        check_ints(self, ("games", "simulations"))
        check_choice(self, "algorithm", ALGORITHMS)
        for spec in self.ladder:
            parse_spec(spec, "ladder")

    @property
    def enabled(self) -> bool:
        return self.interval >= 0

    def due(self, step: int) -> bool:
        """An evaluation is due after learner step `step`."""
        return self.interval > 0 and step % self.interval == 0


def evaluate_network(
    game: Game,
    network: torch.nn.Module,
    config: EvaluationConfig,
    *,
    seed: int,
    device: str | torch.device = "cpu",
    opponents: dict[str, Player] | None = None,
) -> dict[str, float]:
    """Scores (win 1, draw 0.5) of the search player and the raw network against each opponent
    (default: the config's ladder), seats alternated: keys like "search_vs_uct100"."""
    rng = np.random.default_rng(seed)
    agents = {
        "search": network_player(
            game, network, simulations=config.simulations, algorithm=config.algorithm, device=device
        ),
        "network": network_player(game, network, simulations=0, device=device),
    }
    scores = {}
    opponents = ladder(game, config.ladder) if opponents is None else opponents
    for opponent_name, opponent in opponents.items():
        for agent_name, agent in agents.items():
            result = play_match(game, agent, opponent, config.games, rng)
            scores[f"{agent_name}_vs_{opponent_name}"] = result.score
    return {name: score for name, score in scores.items() if not math.isnan(score)}
