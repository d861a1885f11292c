"""Tic-tac-toe: the 3×3 m,n,k-game, as OpenSpiel's `tic_tac_toe`.

Rules: players alternate placing a stone on an empty cell, player 0 ("x") first; three in a
row (horizontal, vertical or diagonal) wins; a full board without one is a draw.
Actions: 9, cell = row * 3 + col (row 0 at the top), as OpenSpiel.
Observation: float32[2, 3, 3], the mover's stones then the opponent's.
Rewards: +1 / -1 to winner / loser at the end, 0 for a draw.
Symmetries: the 8 of the square.

The in-place kernel `apply_k_in_a_row` is shared by every "place a stone, k in a row wins"
game (gomoku reuses it with larger boards).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from boardzoo.envs._board import cell_name, draw_grid, line_through, stone_planes
from boardzoo.envs.core import Game, State, Symmetry, fresh_common_fields, grid_symmetries

SIZE = 3
WIN_LENGTH = 3
SQUARE_SYMMETRIES = (
    "identity",
    "rot90",
    "rot180",
    "rot270",
    "flip_lr",
    "flip_ud",
    "transpose",
    "anti_transpose",
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
            terminated[b] = True
            rewards[b, player] = 1.0
            rewards[b, 1 - player] = -1.0
        elif step_count[b] == height * width:
            terminated[b] = True
        if terminated[b]:
            mask[b, :] = False


def apply_k_in_a_row(win_length: int):
    """The in-place kernel of a k-in-a-row placement game (k or more in a line wins)."""

    def apply(state: KInARowState, action: np.ndarray, active: np.ndarray) -> None:
        _apply(
            state.board,
            state.current_player,
            state.legal_action_mask,
            state.rewards,
            state.terminated,
            state.step_count,
            action,
            active,
            win_length,
        )

    return apply


def init_k_in_a_row(height: int, width: int):
    """The init function of an empty H×W board, every cell legal."""

    def init(batch_size: int) -> KInARowState:
        return KInARowState(
            board=np.zeros((batch_size, height, width), dtype=np.int8),
            **fresh_common_fields(batch_size, height * width),
        )

    return init


def observe(state: KInARowState, player: np.ndarray) -> np.ndarray:
    return stone_planes(state.board, player)


def cell_symmetries(height: int, width: int, names: tuple[str, ...]) -> tuple[Symmetry, ...]:
    """Symmetries of a game whose actions are exactly the cells."""
    return tuple(Symmetry(n, perm, perm) for n, perm in grid_symmetries(height, width, names).items())


def make_game() -> Game:
    """Tic-tac-toe (no parameters)."""
    return Game(
        id="tic_tac_toe",
        version=0,
        params={},
        num_actions=SIZE * SIZE,
        observation_shape=(2, SIZE, SIZE),
        board_shape=(SIZE, SIZE),
        cell_layout="square",
        max_game_length=SIZE * SIZE,
        symmetries=cell_symmetries(SIZE, SIZE, SQUARE_SYMMETRIES),
        init_fn=init_k_in_a_row(SIZE, SIZE),
        apply=apply_k_in_a_row(WIN_LENGTH),
        observe_fn=observe,
        render_fn=lambda state, row: draw_grid(state.board[row]),
        cells_fn=lambda state: state.board,
        action_name=lambda action: cell_name(action, SIZE),
    )
