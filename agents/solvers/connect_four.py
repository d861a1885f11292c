"""An exact Connect Four solver for boards whose bitboard fits 64 bits ((rows + 1) × columns ≤ 64).

Alpha-beta negamax in numba over bitboards (`_connect_four_search`) with a transposition table
of score bounds kept between calls, centre-first move ordering refined by the threats each move
creates, and the usual Connect Four prunings (win now, block a single threat, never play under an
opponent's threat). Values need one null-window search per move; exact distances (the default)
need a few more, so `distances=False` is faster where only win / draw / loss matters.

How far it reaches in reasonable time: every position of boards up to 6 × 5 and 5 × 6 (rows ×
columns) from the empty board; 7 × 6 from about 20 stones on (earlier 7 × 6 positions: use
`BitBullySolver`). See the report in tests/solvers for measured speeds.
"""

from __future__ import annotations

import numpy as np

from boardzoo.agents.solvers import _connect_four_search as search
from boardzoo.agents.solvers.base import Solver
from boardzoo.envs import Game, State


class ConnectFourSolver(Solver):
    """Exact values (and distances) of Connect Four moves (see the module docstring).

    Args:
      game: a `connect_four` game with (rows + 1) * columns <= 64 (any x_in_row).
      distances: also compute exact distances (fastest win, slowest loss).
      table_bits: the transposition table holds 2 ** table_bits entries of 12 bytes (default:
        20 for boards of up to 25 cells, else 22).
    """

    game_id = "connect_four"

    def __init__(self, game: Game, *, distances: bool = True, table_bits: int | None = None) -> None:
        super().__init__(game)
        rows, columns, x_in_row = (game.params[name] for name in ("rows", "columns", "x_in_row"))
        if (rows + 1) * columns > 64:
            raise ValueError(
                f"ConnectFourSolver needs (rows + 1) * columns <= 64, got {rows} x {columns}: the board must fit one "
                "64-bit bitboard with a spare row"
            )
        bits = table_bits if table_bits is not None else (20 if rows * columns <= 25 else 22)
        if isinstance(bits, bool) or not isinstance(bits, int) or not 10 <= bits <= 30:
            raise ValueError(f"table_bits must be an int in 10..30, got {table_bits!r}")
        self.has_distances = bool(distances)
        self._geometry = search.geometry(rows, columns, x_in_row, bits)
        self._table = (
            np.zeros(1 << bits, np.uint64),
            np.full(1 << bits, -search.BOUND, np.int16),
            np.full(1 << bits, search.BOUND, np.int16),
        )
        self._stack = search.new_stack(rows * columns, columns)

    def _encode(self, state: State) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows, columns = self.game.params["rows"], self.game.params["columns"]
        return search.encode(state.board, state.current_player, rows, columns)

    def _solve_live(self, state: State) -> tuple[np.ndarray, np.ndarray]:
        own, mask, stones = self._encode(state)
        return search.solve_positions(
            own, mask, stones, state.legal_action_mask, self.has_distances, *self._geometry, self._table, self._stack
        )

    def _final_value(self, state: State) -> np.ndarray:
        own, mask, _ = self._encode(state)
        ints, masks, _ = self._geometry
        won = [search.has_line(o ^ m, ints, masks[1]) for o, m in zip(own, mask, strict=True)]
        return np.where(won, -1, 0).astype(np.int8)
