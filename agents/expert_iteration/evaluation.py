"""Periodic evaluation of the network against fixed opponents: random play and a UCT ladder.

The agent is a `SearchPlayer` with deterministic root choice (PUCT's most visited move by
default, or Gumbel with no noise) plus the raw network (no search). PUCT is the default for
play even when self-play uses Gumbel: on the Connect Four preset's network, PUCT with 64
simulations scored 0.90 against UCT with 1,000 rollouts where deterministic Gumbel scored 0.62
(100 games each); Gumbel's strength is its policy-improvement target at few simulations.
Evaluation draws from its own generator and never touches the training state, so it does
not change the run it observes.
"""

from __future__ import annotations

import numpy as np
import torch

from boardzoo.agents.match import play_match
from boardzoo.agents.network_evaluator import NetworkPlayer, TorchEvaluator
from boardzoo.agents.players import Player, RandomPlayer, SearchPlayer, UCTPlayer
from boardzoo.agents.search import GumbelConfig, SearchConfig
from boardzoo.envs import Game


def search_player(game: Game, network: torch.nn.Module, simulations: int, algorithm: str = "puct",
                  device: str | torch.device = "cpu") -> SearchPlayer:  # fmt: skip
    """The network with search, choosing deterministically at the root (for evaluation and play)."""
    evaluator = TorchEvaluator(game, network, device)
    if algorithm == "gumbel":
        config: SearchConfig | GumbelConfig = GumbelConfig(num_simulations=simulations, gumbel_scale=0.0)
    elif algorithm == "puct":
        config = SearchConfig(num_simulations=simulations, rule="puct")
    else:
        raise ValueError(f"algorithm must be 'gumbel' or 'puct', got {algorithm!r}")
    return SearchPlayer(game, evaluator, config)


def ladder(game: Game, uct_simulations: tuple[int, ...]) -> dict[str, Player]:
    """The fixed opponents: "random" and "uct<N>" for each N."""
    opponents: dict[str, Player] = {"random": RandomPlayer()}
    for simulations in uct_simulations:
        opponents[f"uct{simulations}"] = UCTPlayer(game, num_simulations=simulations)
    return opponents


def evaluate_network(game: Game, network: torch.nn.Module, *, simulations: int, algorithm: str,
                     uct_simulations: tuple[int, ...], num_games: int, seed: int,
                     device: str | torch.device = "cpu") -> dict[str, float]:  # fmt: skip
    """Scores (win 1, draw 0.5) of the search player and the raw network against each opponent,
    seats alternated: keys like "search_vs_uct100", "network_vs_random"."""
    rng = np.random.default_rng(seed)
    agents = {"search": search_player(game, network, simulations, algorithm, device),
              "network": NetworkPlayer(game, network, device)}  # fmt: skip
    scores = {}
    for opponent_name, opponent in ladder(game, uct_simulations).items():
        for agent_name, agent in agents.items():
            result = play_match(game, agent, opponent, num_games, rng)
            scores[f"{agent_name}_vs_{opponent_name}"] = result.score
    return scores
