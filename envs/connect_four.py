"""Connect Four, as OpenSpiel's `connect_four` (same parameters and defaults).

Rules: players alternate dropping a stone into a column that is not full, player 0 ("x")
first; the stone falls to the lowest empty cell; `x_in_row` (4) or more in a line wins; a full
board without one is a draw. Board `rows` × `columns` (6 × 7).
Actions: `columns`, the column index, as OpenSpiel.
Observation: float32[2, rows, columns] (row 0 at the top), the mover's stones then the
opponent's.
Rewards: +1 / -1 to winner / loser at the end, 0 for a draw.
Symmetries: identity and the left-right mirror.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from boardzoo.envs._board import column_label, draw_grid, end_game, line_through, stone_observation
from boardzoo.envs._sampling import keyed_pick_row
from boardzoo.envs.core import (
    KERNEL_FIELDS,
    Game,
    State,
    Symmetry,
    bind_kernel,
    bind_playout,
    check_int_param,
    fresh_common_fields,
    grid_symmetries,
)

ID = "connect_four"


@dataclass(frozen=True)
class ConnectFourState(State):
    """Adds board: int8[B, rows, columns] (row 0 at the top) and heights: int8[B, columns]."""

    board: np.ndarray
    heights: np.ndarray


@numba.njit(cache=True, inline="always")
def _drop(board, heights, b, col, player, x_in_row):
    # The move of row b: `player`'s stone falls into column `col` (board int8[B, H, W], heights
    # int8[B, W]). Returns (the column is now full, the stone makes `x_in_row`). The one home of
    # a move's rules, for the kernel and the playouts.
    rows = board.shape[1]
    row = rows - 1 - heights[b, col]
    board[b, row, col] = player + 1
    heights[b, col] += 1
    return heights[b, col] == rows, line_through(board[b], row, col, player + 1, x_in_row)


@numba.njit(cache=True, inline="always")
def _board_full(board, steps):
    # After `steps` moves without a line the game is a draw when the board is full.
    return steps == board.shape[1] * board.shape[2]


@numba.njit(cache=True)
def _apply(board, heights, current_player, mask, rewards, terminated, step_count, action, active, x_in_row):
    batch = board.shape[0]
    for b in range(batch):
        if not active[b]:
            continue
        player = current_player[b]
        col = action[b]
        full, won = _drop(board, heights, b, col, player, x_in_row)
        step_count[b] += 1
        current_player[b] = 1 - player
        if full:
            mask[b, col] = False
        if won:
            end_game(terminated, rewards, mask, b, player)
        elif _board_full(board, step_count[b]):
            end_game(terminated, rewards, mask, b, -1)


_PLAYOUT_FIELDS = ("board", "heights", "legal_action_mask", "current_player", "step_count")


@numba.njit(cache=True)
def _playouts(board, heights, legal, current_player, step_count, keys, outcome, rows, x_in_row):
    # outcome[b] = the result for row b < rows's player to move of uniformly random play to
    # the end: moves as the kernel makes them (`_drop`) on a private copy of the row, the move
    # of ply p drawn as the keyed sampler draws it. One row at a time, in registers and L1,
    # instead of a kernel call over the whole batch per ply.
    _, height, width = board.shape
    own = np.empty((1, height, width), dtype=np.int8)
    tops = np.empty((1, width), dtype=np.int8)
    mask = np.empty((1, width), dtype=np.uint8)
    no_words = np.empty((0, 0), dtype=np.uint64)
    for b in range(rows):
        own[0] = board[b]
        tops[0] = heights[b]
        for col in range(width):
            mask[0, col] = legal[b, col]
        mover, steps, result, ply = current_player[b], step_count[b], 0.0, 0
        while True:
            col = keyed_pick_row(mask, no_words, keys, ply, 0, b)
            full, won = _drop(own, tops, 0, col, mover, x_in_row)
            steps += 1
            if won:
                result = 1.0 if mover == current_player[b] else -1.0
                break
            if _board_full(own, steps):  # a draw
                break
            if full:
                mask[0, col] = 0
            mover = 1 - mover
            ply += 1
        outcome[b] = result


def make_game(*, rows: int = 6, columns: int = 7, x_in_row: int = 4) -> Game:
    """Connect Four on a `rows` × `columns` board (4..12 each), `x_in_row` (3..6) to win."""
    rows = check_int_param(ID, "rows", rows, 4, 12)
    columns = check_int_param(ID, "columns", columns, 4, 12)
    x_in_row = check_int_param(ID, "x_in_row", x_in_row, 3, min(6, max(rows, columns)))

    def init(batch_size: int) -> ConnectFourState:
        return ConnectFourState(
            board=np.zeros((batch_size, rows, columns), dtype=np.int8),
            heights=np.zeros((batch_size, columns), dtype=np.int8),
            **fresh_common_fields(batch_size, columns),
        )

    mirror = Symmetry(
        "flip_lr", grid_symmetries(rows, columns, ("flip_lr",))["flip_lr"], np.arange(columns)[::-1].copy()
    )
    identity = Symmetry("identity", np.arange(rows * columns), np.arange(columns))
    observe = stone_observation((rows, columns))
    return Game(
        id=ID,
        version=0,
        params={"rows": rows, "columns": columns, "x_in_row": x_in_row},
        num_actions=columns,
        observation_shape=observe.shape,
        board_shape=(rows, columns),
        cell_layout="square",
        max_game_length=rows * columns,
        symmetries=(identity, mirror),
        init_fn=init,
        apply=bind_kernel(_apply, ("board", "heights", *KERNEL_FIELDS), x_in_row),
        observe_fn=observe,
        render_fn=lambda state, row: draw_grid(state.board[row]),
        cells_fn=lambda state: state.board,
        action_name=column_label,
        playout_fn=bind_playout(_playouts, _PLAYOUT_FIELDS, x_in_row),
    )
