"""Periodic evaluation of the network during training: the network with search and alone,
against the fixed opponent ladder (`boardzoo.agents.players.ladder`) and, where a quick solver
exists (tic-tac-toe, Connect Four, Hex up to 5 × 5), against perfect play on the game's standard
position sets (`boardzoo.agents.ground_truth`): keys like "search_accuracy",
"network_accuracy_strong", "network_value_accuracy", "search_blunders".

Evaluation draws from its own generator and never touches the training state, so it does
not change the run it observes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from boardzoo.agents.ground_truth import KINDS, PerfectPlayReport, PositionSet, evaluate_player, standard_positions
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
from boardzoo.agents.solvers import quick_solver_for
from boardzoo.agents.validation import check_bools, check_choice, check_ints
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
    average_symmetries: bool = False
    """evaluate the network (alone and in search) averaged over the board symmetries"""
    ladder: tuple[str, ...] = DEFAULT_LADDER
    """opponent specs: random, uct:<simulations>, search:<checkpoint>[:<simulations>], network:<checkpoint>"""
    perfect_play: int | None = None
    """positions per standard set (random and strong play) scored against a solver where the game
    has a quick one: None = the standard size (1,000 in all on 7 × 6 Connect Four), 0 = off"""

    def __post_init__(self) -> None:
        check_ints(self, ("interval",), minimum=None)
        check_ints(self, ("games", "simulations"))
        if self.perfect_play is not None:
            check_ints(self, ("perfect_play",), minimum=0)
        check_choice(self, "algorithm", ALGORITHMS)
        check_bools(self, ("average_symmetries",))
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
    position_sets: Sequence[PositionSet] = (),
) -> dict[str, float]:
    """Scores (win 1, draw 0.5) of the search player and the raw network against each opponent
    (default: the config's ladder), seats alternated: keys like "search_vs_uct100"; and their
    scores against perfect play on `position_sets` (see `perfect_play_scores`)."""
    rng = np.random.default_rng(seed)
    agents = {
        "search": network_player(
            game,
            network,
            simulations=config.simulations,
            algorithm=config.algorithm,
            device=device,
            average_symmetries=config.average_symmetries,
        ),
        "network": network_player(
            game, network, simulations=0, device=device, average_symmetries=config.average_symmetries
        ),
    }
    scores = {}
    for agent_name, agent in agents.items():
        if position_sets:
            report = evaluate_player(agent, position_sets, rng, name=agent_name)
            scores |= perfect_play_scores(agent_name, report)
    opponents = ladder(game, config.ladder) if opponents is None else opponents
    for opponent_name, opponent in opponents.items():
        for agent_name, agent in agents.items():
            result = play_match(game, agent, opponent, config.games, rng)
            scores[f"{agent_name}_vs_{opponent_name}"] = result.score
    return {name: score for name, score in scores.items() if not math.isnan(score)}


def perfect_play_scores(name: str, report: PerfectPlayReport) -> dict[str, float]:
    """A report as metrics: "<name>_accuracy" (all positions), "<name>_accuracy_<set>" per set,
    "<name>_blunders", and "<name>_value_accuracy" for a network's value head."""
    overall = report.row("all")
    scores = {f"{name}_accuracy": overall.accuracy}
    for kind in KINDS:
        if any(row.group == f"{kind} play" for row in report.rows):
            scores[f"{name}_accuracy_{kind}"] = report.row(f"{kind} play").accuracy
    if overall.blunders is not None:
        scores[f"{name}_blunders"] = overall.blunders
    if overall.value_accuracy is not None and name == "network":
        scores[f"{name}_value_accuracy"] = overall.value_accuracy
    return scores


def perfect_play_sets(game: Game, config: EvaluationConfig) -> tuple[PositionSet, ...]:
    """The standard position sets a run scores its network on: () when perfect-play scoring is
    off or the game has no quick solver (`boardzoo.agents.solvers.quick_solver_for`)."""
    if not config.enabled or config.perfect_play == 0:
        return ()
    solver = quick_solver_for(game)
    if solver is None:
        return ()
    return tuple(standard_positions(game, kind, count=config.perfect_play, solver=solver) for kind in KINDS)
