"""Connect Four 7 × 6 perfect play from `bitbully` (a C++ solver with opening books).

`bitbully` is the optional "solvers" extra (`pip install boardzoo[solvers]`), imported only
when a `BitBullySolver` is made. Its scores follow Pascal Pons' convention (positive: the
mover wins; the larger, the sooner); `BitBully.score_to_moves_left` turns a move's score into
the plies to the end counting the move, which is our distance.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from boardzoo.agents.solvers import _connect_four_search as search
from boardzoo.agents.solvers.base import UNKNOWN_DISTANCE, Solver
from boardzoo.envs import Game, State

STANDARD = {"rows": 6, "columns": 7, "x_in_row": 4}
"""the only parameters bitbully solves"""
MISSING = (
    "Connect Four 7x6 perfect play needs the optional 'bitbully' package: pip install 'boardzoo[solvers]' "
    "(or pip install bitbully)"
)


def import_bitbully() -> Any:
    """The `bitbully` module; ImportError naming the `solvers` extra if it is not installed."""
    try:
        return importlib.import_module("bitbully")
    except ImportError as error:
        raise ImportError(MISSING) from error


class BitBullySolver(Solver):
    """Exact values and distances of 7 × 6 Connect Four moves from `bitbully` (see the module
    docstring); about a millisecond per position past the opening, up to ~0.1 s before it."""

    game_id = "connect_four"

    def __init__(self, game: Game) -> None:
        super().__init__(game)
        if dict(game.params) != STANDARD:
            raise ValueError(f"BitBullySolver solves Connect Four {STANDARD} only, got {dict(game.params)}")
        self._bitbully = import_bitbully()
        self._agent = self._bitbully.BitBully()

    def _solve_live(self, state: State) -> tuple[np.ndarray, np.ndarray]:
        values = np.zeros(state.legal_action_mask.shape, np.int8)
        distances = np.full(state.legal_action_mask.shape, UNKNOWN_DISTANCE, np.int16)
        for row in range(state.batch_size):
            board = self._bitbully.Board(state.board[row].tolist())  # 6 x 7, top row first, 1 / 2 = players 0 / 1
            for column, score in self._agent.score_all_moves(board).items():
                values[row, column] = np.sign(score)
                distances[row, column] = self._bitbully.BitBully.score_to_moves_left(score, board)
        return values, distances

    def _final_value(self, state: State) -> np.ndarray:
        ints, masks, _ = search.geometry(6, 7, 4, 10)
        own, mask, _ = search.encode(state.board, state.current_player, 6, 7)
        won = [search.has_line(o ^ m, ints, masks[1]) for o, m in zip(own, mask, strict=True)]
        return np.where(won, -1, 0).astype(np.int8)
