"""Helpers shared by the board games: observation planes, lines of k, ending a game, drawing.

Boards are int8 with 0 = empty and 1 + p = a stone of player p.
"""

from __future__ import annotations

import string

import numba
import numpy as np

STONE_SYMBOLS = ".xo"


def stone_planes(board: np.ndarray, player: np.ndarray, *, seat_plane: bool = False) -> np.ndarray:
    """Own and opponent stone planes, optionally plus a plane of ones for player 1.

    Args:
      board: int8[B, H, W].
      player: int32[B], the point of view.
      seat_plane: add plane 2, all ones where `player` is 1 (for games whose sides differ).

    Returns:
      float32[B, 2 (+1), H, W]: plane 0 = `player`'s stones, plane 1 = the opponent's.
    """
    batch, height, width = board.shape
    flat = board.reshape(batch, height * width)
    return _stone_planes(flat, player, seat_plane).reshape(batch, 2 + seat_plane, height, width)


@numba.njit(cache=True)
def _stone_planes(board, player, seat_plane):
    batch, cells = board.shape
    out = np.zeros((batch, 2 + seat_plane, cells), dtype=np.float32)
    for b in range(batch):
        own = player[b] + 1
        for i in range(cells):
            v = board[b, i]
            if v == own:
                out[b, 0, i] = 1.0
            elif v != 0:
                out[b, 1, i] = 1.0
        if seat_plane and player[b] == 1:
            out[b, 2, :] = 1.0
    return out


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
