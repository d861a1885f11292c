"""The k-in-a-row placement games (tic-tac-toe, gomoku): one state, kernel and `Game` builder.

Players alternate placing a stone on an empty cell of an H×W board, player 0 ("x") first;
k or more stones in a line (horizontal, vertical or diagonal) win; a full board without
one is a draw. Actions are the cells, row * W + col (row 0 at the top), named
"<column letter><row number>". Observation: the mover's stones, then the opponent's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from boardzoo.envs._board import cell_name, draw_grid, end_game, line_through, stone_observation
from boardzoo.envs.core import (
    KERNEL_FIELDS,
    SQUARE_SYMMETRIES,
    Game,
    State,
    bind_kernel,
    cell_symmetries,
    fresh_common_fields,
)


@dataclass(frozen=True)
class KInARowState(State):
    """Adds board: int8[B, H, W] (0 empty, 1 + player)."""

    board: np.ndarray


@numba.njit(cache=True)
def _apply(board, current_player, mask, rewards, terminated, step_count, action, active, win_length):
    batch, height, width = board.shape
    for b in range(batch):
        if not active[b]:
            continue
        player = current_player[b]
        row, col = action[b] // width, action[b] % width
        board[b, row, col] = player + 1
        mask[b, action[b]] = False
        step_count[b] += 1
        current_player[b] = 1 - player
        if line_through(board[b], row, col, player + 1, win_length):
            end_game(terminated, rewards, mask, b, player)
        elif step_count[b] == height * width:
            end_game(terminated, rewards, mask, b, -1)


def make_k_in_a_row_game(game_id: str, params: Mapping[str, Any], *, size: int, win_length: int) -> Game:
    """The game `game_id` on a `size` × `size` board where `win_length` in a row wins."""

    def init(batch_size: int) -> KInARowState:
        return KInARowState(
            board=np.zeros((batch_size, size, size), dtype=np.int8),
            **fresh_common_fields(batch_size, size * size),
        )

    observe = stone_observation((size, size))
    return Game(
        id=game_id,
        version=0,
        params=params,
        num_actions=size * size,
        observation_shape=observe.shape,
        board_shape=(size, size),
        cell_layout="square",
        max_game_length=size * size,
        symmetries=cell_symmetries(size, size, SQUARE_SYMMETRIES),
        init_fn=init,
        apply=bind_kernel(_apply, ("board", *KERNEL_FIELDS), win_length),
        observe_fn=observe,
        render_fn=lambda state, row: draw_grid(state.board[row]),
        cells_fn=lambda state: state.board,
        action_name=lambda action: cell_name(action, size),
    )
