"""`boardzoo evaluate <game> <player spec>`: a player's scores against perfect play on the game's
standard position sets (see `perfect_play` and `positions`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from boardzoo.agents.ground_truth.perfect_play import PerfectPlayReport, evaluate_player
from boardzoo.agents.ground_truth.positions import KINDS, standard_positions
from boardzoo.agents.players import parse_spec, player_from_spec
from boardzoo.agents.solvers import SOLVED_GAMES, solver_for
from boardzoo.agents.validation import check_int, check_ints, check_number
from boardzoo.envs import make

DEFAULT_PARAMS = {"hex": {"board_size": 4}}
"""the board `boardzoo evaluate hex` uses unless --game-params says otherwise (11 × 11 is unsolved)"""


@dataclass(frozen=True)
class EvaluateConfig:
    """Score a player against perfect play on the game's standard position sets."""

    player: str = "perfect"
    """player spec: random, uct:<sims>, perfect[:<eps>], search:<checkpoint>[:<sims>], network:<checkpoint>,
    search-sym:/network-sym: (averaged over the board symmetries)"""
    game: str = "connect_four"
    """game id (a solved game: connect_four, hex, tic_tac_toe)"""
    game_params: dict[str, int] = field(default_factory=dict)
    sets: tuple[str, ...] = KINDS
    """position sets: random (from random play) and/or strong (from near-perfect play)"""
    count: int = 0
    """positions per set (0 = the standard size: 600 random + 400 strong on 7x6 Connect Four, else 300 + 200)"""
    seed: int = 0
    """seed of the position sets and of the player's random choices"""
    batch_size: int = 256
    """positions the player is given at once"""
    draw_margin: float = 1 / 3
    """a network value within ±margin counts as a predicted draw"""

    def __post_init__(self) -> None:
        parse_spec(self.player, "player")
        if self.game not in SOLVED_GAMES:
            raise ValueError(f"game must be a solved game ({', '.join(SOLVED_GAMES)}), got {self.game!r}")
        if not self.sets or any(kind not in KINDS for kind in self.sets) or len(set(self.sets)) != len(self.sets):
            raise ValueError(f"sets must name different sets among {KINDS}, got {self.sets}")
        check_int("count", self.count, minimum=0)
        check_ints(self, ("seed",), minimum=0)
        check_ints(self, ("batch_size",))
        check_number("draw_margin", self.draw_margin, low=0, high=1)


def run_evaluate(config: EvaluateConfig) -> PerfectPlayReport:
    """Build the game, its solver, the sets and the player; print and return the report."""
    game = make(config.game, **config.game_params)
    solver = solver_for(game)
    count = config.count or None
    sets = [standard_positions(game, kind, count=count, seed=config.seed, solver=solver) for kind in config.sets]
    player = player_from_spec(game, config.player)
    rng = np.random.default_rng(config.seed)
    report = evaluate_player(
        player, sets, rng, name=config.player, batch_size=config.batch_size, draw_margin=config.draw_margin
    )
    print(report.markdown())
    return report
