"""Scores against perfect play: how often a player finds an optimal move on the standard position
sets, how often it throws away a win or a draw, and how often a network's value is right.

    report = evaluate_player(player, [standard_positions(game, "random"), standard_positions(game, "strong")])
    print(report.markdown())

- accuracy: the move keeps the position's value (a win stays a win, a draw a draw; in a lost
  position every move is optimal);
- exact: the move is also the fastest win / slowest loss (only where the solver gives distances);
- blunders: moves that turn a win into a draw or loss, or a draw into a loss, as a share of the
  won and drawn positions;
- value accuracy (networks only): the class of the network's value (win above `draw_margin`,
  loss below `-draw_margin`, draw between) equals the solver's.

`boardzoo evaluate <game> <player spec>` prints the report for the game's standard sets
(`agents/evaluation/evaluate.py`).
Shapes: N positions, A actions.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from boardzoo.agents.ground_truth.positions import BANDS, KINDS, PositionSet
from boardzoo.agents.models import TorchEvaluator
from boardzoo.agents.players import Player
from boardzoo.agents.solvers import DRAW, ILLEGAL, LOSS, WIN, Solution, position_values
from boardzoo.envs import Game

VALUE_NAMES = {WIN: "won", DRAW: "drawn", LOSS: "lost"}


@dataclass(frozen=True)
class ReportRow:
    """Scores over one group of positions (None where the group has nothing to measure)."""

    group: str
    positions: int
    accuracy: float
    exact: float | None
    blunders: float | None
    value_accuracy: float | None


@dataclass(frozen=True)
class PerfectPlayReport:
    """A player's scores against perfect play, overall and by set, ply band and position value."""

    game: str
    player: str
    rows: tuple[ReportRow, ...]

    @property
    def accuracy(self) -> float:
        """Optimal-move accuracy over every position."""
        return self.rows[0].accuracy

    def row(self, group: str) -> ReportRow:
        """The row of a group ("all", "random play", "plies 0-6", "won", ...)."""
        return next(row for row in self.rows if row.group == group)

    def markdown(self) -> str:
        """The report as a Markdown table (percentages; "–" where not measured)."""

        def percent(x: float | None) -> str:
            return "–" if x is None else f"{100 * x:.1f}%"

        lines = [
            f"Perfect-play scores of {self.player} on {self.game}",
            "",
            "| positions | n | accuracy | exact | blunders | value accuracy |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in self.rows:
            cells = (r.accuracy, r.exact, r.blunders, r.value_accuracy)
            lines.append(f"| {r.group} | {r.positions} | " + " | ".join(map(percent, cells)) + " |")
        return "\n".join(lines)


@dataclass(frozen=True)
class MoveScores:
    """Per-position scores of chosen moves: optimal, exact (None without distances) and blunder
    bool[N], with the position values int8[N]."""

    optimal: np.ndarray
    exact: np.ndarray | None
    blunder: np.ndarray
    value: np.ndarray


def score_moves(values: np.ndarray, distances: np.ndarray, actions: np.ndarray) -> MoveScores:
    """Score chosen actions int[N] against move values int8[N, A] and distances int16[N, A].

    Raises:
      ValueError: an action is out of range or illegal in its position.
    """
    rows = np.arange(len(actions))
    legal = (actions >= 0) & (actions < values.shape[1])
    chosen = np.where(legal, values[rows, np.clip(actions, 0, values.shape[1] - 1)], ILLEGAL)
    if (chosen == ILLEGAL).any():
        bad = int(np.flatnonzero(chosen == ILLEGAL)[0])
        raise ValueError(f"the player chose the illegal action {int(actions[bad])} in position {bad}")
    solution = Solution(values, distances, *position_values(values, distances))
    has_distances = bool((distances[solution.legal] >= 0).all())
    exact = solution.best()[rows, actions] if has_distances else None
    return MoveScores(chosen == solution.value, exact, chosen < solution.value, solution.value)


def evaluate_player(
    player: Player,
    sets: Sequence[PositionSet],
    rng: np.random.Generator,
    *,
    name: str = "player",
    batch_size: int = 256,
    draw_margin: float = 1 / 3,
) -> PerfectPlayReport:
    """Play `player` on every position of `sets` (one game) and score it; a player that holds a
    `TorchEvaluator` (a network, with or without search) also gets its value accuracy."""
    if not sets:
        raise ValueError("evaluate_player needs at least one position set")
    columns: dict[str, list[np.ndarray | None]] = {key: [] for key in ("optimal", "exact", "blunder", "value", "net")}
    evaluator = getattr(player, "evaluator", None)
    for positions in sets:
        states = positions.states()
        chunks = [np.arange(i, min(i + batch_size, len(positions))) for i in range(0, len(positions), batch_size)]
        actions = np.concatenate([player.act(states.take(rows), rng) for rows in chunks])
        scores = score_moves(positions.values, positions.distances, actions)
        for key in ("optimal", "exact", "blunder", "value"):
            columns[key].append(getattr(scores, key))
        columns["net"].append(_value_hits(evaluator, states, scores.value, batch_size, draw_margin))
    return _report(sets[0].game, name, sets, columns)


def _value_hits(evaluator, states, value, batch_size, draw_margin) -> np.ndarray | None:
    # bool[N]: the network's value class equals the solver's (None for players without a network).
    if not isinstance(evaluator, TorchEvaluator):
        return None
    keys = np.zeros(states.batch_size, np.uint64)
    outputs = []
    for i in range(0, states.batch_size, batch_size):
        rows = np.arange(i, min(i + batch_size, states.batch_size))
        outputs.append(evaluator(states.take(rows), keys[rows])[1])
    predicted = np.concatenate(outputs)
    predicted_class = np.where(predicted > draw_margin, WIN, np.where(predicted < -draw_margin, LOSS, DRAW))
    return predicted_class == value


def _report(game: Game, name: str, sets: Sequence[PositionSet], columns: dict) -> PerfectPlayReport:
    optimal, blunder, value = (np.concatenate(columns[key]) for key in ("optimal", "blunder", "value"))
    exact = None if any(e is None for e in columns["exact"]) else np.concatenate(columns["exact"])
    net = None if any(v is None for v in columns["net"]) else np.concatenate(columns["net"])
    kinds = np.concatenate([np.full(len(s), s.kind) for s in sets])
    plies = np.concatenate([s.plies for s in sets])
    edges = np.linspace(0, game.max_game_length, BANDS + 1).round().astype(int)
    selections = {"all": np.ones(len(value), bool)}
    selections |= {f"{kind} play": kinds == kind for kind in KINDS if (kinds == kind).any()}
    for low, high in itertools.pairwise(edges):
        if high > low:
            label = f"ply {low}" if high == low + 1 else f"plies {low}-{high - 1}"
            selections[label] = (plies >= low) & (plies < high)
    selections |= {VALUE_NAMES[v]: value == v for v in (WIN, DRAW, LOSS)}
    rows = []
    for group, rows_in in selections.items():
        if not rows_in.any():
            continue
        can_blunder = rows_in & (value > LOSS)
        rows.append(
            ReportRow(
                group,
                int(rows_in.sum()),
                float(optimal[rows_in].mean()),
                None if exact is None else float(exact[rows_in].mean()),
                float(blunder[can_blunder].mean()) if can_blunder.any() else None,
                None if net is None else float(net[rows_in].mean()),
            )
        )
    return PerfectPlayReport(repr(game), name, tuple(rows))
