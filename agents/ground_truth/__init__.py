"""boardzoo.agents.ground_truth: players measured against perfect play. Solver-labelled standard
position sets (`positions`) and the scores of a player on them (`perfect_play`): optimal-move
accuracy by ply band and by the position's value, blunders, and a network's value accuracy.

It sits beside the players layer (below training), so a training run's periodic evaluation and
the `boardzoo evaluate` command use the same code."""

from boardzoo.agents.ground_truth.perfect_play import PerfectPlayReport, evaluate_player, score_moves
from boardzoo.agents.ground_truth.positions import BANDS, KINDS, PositionSet, generate_positions, standard_positions

__all__ = [
    "BANDS",
    "KINDS",
    "PerfectPlayReport",
    "PositionSet",
    "evaluate_player",
    "generate_positions",
    "score_moves",
    "standard_positions",
]
