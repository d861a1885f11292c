"""Helpers shared by the board games: observation planes, lines of k, ending a game, drawing.

Boards are int8 with 0 = empty and 1 + p = a stone of player p.
"""

from __future__ import annotations

import string

import numba
import numpy as np

from boardzoo.envs.core import BoundObserve, bind_observe

STONE_SYMBOLS = ".xo"


def stone_observation(board_shape: tuple[int, int], *, seat_plane: bool = False) -> BoundObserve:
    """The observation of the board games, as a `Game.observe_fn`: own and opponent stone planes
    of the state's `board` field (int8[B, H, W], or int8[B, H * W] row by row), plus, with
    `seat_plane`, a plane of ones where the point of view is player 1 (for games whose sides
    differ). Shape (2 (+1), H, W) (the game's `observation_shape`, as `.shape`)."""
    return bind_observe(stone_planes_kernel, ("board",), (2 + seat_plane, *board_shape), seat_plane)


@numba.njit(cache=True)
def stone_planes_kernel(board, player, out, rows, seat_plane):
    # out[b] for b < rows: plane 0 = player[b]'s stones, plane 1 = the opponent's, plane 2 (with
    # seat_plane) ones where player[b] is 1. board: int8[>= rows, ...] of H * W cells per row,
    # C-contiguous; out: float32[>= rows, C, H, W], C-contiguous.
    channels, cells = out.shape[1], out.shape[2] * out.shape[3]
    flat_board = board.reshape((board.shape[0], cells))
    flat_out = out.reshape((out.shape[0], channels, cells))
    for b in range(rows):
        own = player[b] + 1
        seat = np.float32(1.0 if seat_plane and player[b] == 1 else 0.0)
        for i in range(cells):
            v = flat_board[b, i]
            flat_out[b, 0, i] = np.float32(1.0) if v == own else np.float32(0.0)
            flat_out[b, 1, i] = np.float32(1.0) if v != own and v != 0 else np.float32(0.0)
        for c in range(2, channels):
            for i in range(cells):
                flat_out[b, c, i] = seat


@numba.njit(cache=True)
def line_through(board: np.ndarray, row: int, col: int, stone: int, length: int) -> bool:
    # True if the stone at (row, col) lies on `length` or more own stones in a line (int8[H, W]).
    height, width = board.shape
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        count = 1
        r, c = row + dr, col + dc
        while 0 <= r < height and 0 <= c < width and board[r, c] == stone:
            count += 1
            r += dr
            c += dc
        r, c = row - dr, col - dc
        while 0 <= r < height and 0 <= c < width and board[r, c] == stone:
            count += 1
            r -= dr
            c -= dc
        if count >= length:
            return True
    return False


@numba.njit(cache=True)
def end_game(terminated, rewards, mask, b, winner):
    # Game b ends: terminated, +1 / -1 to `winner` / the other (no rewards when winner is -1,
    # a draw), an all-False mask. Kernels call it only on the rare ending path.
    terminated[b] = True
    if winner >= 0:
        rewards[b, winner] = 1.0
        rewards[b, 1 - winner] = -1.0
    mask[b, :] = False


def column_label(col: int) -> str:
    """Column letters a..z (boards here are at most 19 wide)."""
    return string.ascii_lowercase[col]


def cell_name(cell: int, width: int) -> str:
    """A cell index (row * width + col) as "<column letter><row number>", e.g. 0 -> "a1"."""
    row, col = divmod(cell, width)
    return f"{column_label(col)}{row + 1}"


def draw_grid(cells: np.ndarray, *, hex_offset: bool = False, bottom_up: bool = False) -> str:
    """ASCII drawing of one board with column letters on top and row numbers on the left.

    Args:
      cells: int8[H, W], 0 empty, 1 + player.
      hex_offset: shift each row half a cell further right (a Hex rhombus).
      bottom_up: row 0 is the bottom row (Go's "a1" corner), drawn last.
    """
    height, width = cells.shape
    margin = len(str(height))
    header = " " * (margin + 1) + " ".join(column_label(c) for c in range(width))
    lines = [header]
    for r in range(height - 1, -1, -1) if bottom_up else range(height):
        indent = " " * r if hex_offset else ""
        row_cells = " ".join(STONE_SYMBOLS[v] for v in cells[r])
        lines.append(f"{indent}{r + 1:>{margin}} {row_cells}")
    return "\n".join(lines)
