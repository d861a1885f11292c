"""Breakthrough, as OpenSpiel's `breakthrough` (same parameters `rows` and `columns`, 8 × 8).

Rules: player 0 ("x", OpenSpiel's black 'b') starts on the top two rows and moves down;
player 1 ("o", white 'w') starts on the bottom two rows and moves up; player 0 moves first.
As in OpenSpiel, a 5-row board starts with one full row per side instead of two.
A piece moves one row forward, straight or diagonally. A straight move needs an empty target
(it never captures); a diagonal move goes to an empty cell or captures an enemy piece there.
Reaching the far row wins, and so does capturing the last enemy piece. There are no draws (a
side with pieces always has a move: its most advanced piece has a free or capturable diagonal).
Board `rows` × `columns`, 5..10 each (OpenSpiel's parameter names; OpenSpiel itself allows
smaller boards).
Actions: rows * columns * 6 * 2, exactly OpenSpiel's mixed-radix encoding
`((row * columns + col) * 6 + direction) * 2 + capture`, where (row, col) is the piece's cell
(row 0 at the top), direction 0/1/2 = down-left/down/down-right (player 0's moves) and 3/4/5 =
up-left/up/up-right (player 1's), and capture is 1 when the move takes an enemy piece.
Names as OpenSpiel's `action_to_string`: "<from><to>" plus "*" for a capture, squares named
by column letter and rank counted from the bottom (the top row of 8 is rank 8: "a7a6", "f6g5*").
Deliberate difference: on 10 rows the top rank is named "10" (OpenSpiel prints ':').
Observation: float32[3, rows, columns] (row 0 at the top): the point-of-view player's pieces,
the opponent's, and a plane of ones when that player is player 1 (who moves up), so the
network knows its direction. (OpenSpiel's planes are black / white / empty instead.)
Rendering: row 0 at the top as OpenSpiel prints it, rows labelled by rank like the action names.
Rewards: +1 / -1 to winner / loser at the end.
Symmetries: identity and the left-right mirror (it keeps both goals); the mirror maps each
action to the mirrored cell with left and right directions swapped.
max_game_length is OpenSpiel's bound, columns * (4 * rows - 6) + 1.
After each move the kernel regenerates the next player's legal moves from per-row piece
bitmasks (`bits`), which it updates together with the board.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from boardzoo.envs._board import draw_grid, end_game, stone_observation
from boardzoo.envs.core import (
    KERNEL_FIELDS,
    Game,
    State,
    Symmetry,
    bind_kernel,
    check_int_param,
    fresh_common_fields,
    grid_symmetries,
)

ID = "breakthrough"
_DIRECTIONS = 6
_MIRRORED_DIRECTION = np.array([2, 1, 0, 5, 4, 3])
# Index of the lowest set bit of a board-row bitmask (at most 10 columns).
_LOWEST_BIT = np.array([0] + [(x & -x).bit_length() - 1 for x in range(1, 1024)], dtype=np.int8)


@dataclass(frozen=True)
class BreakthroughState(State):
    """Adds board: int8[B, rows, columns] (row 0 at the top; 0 empty, 1 + player) and
    bits: uint16[B, 2, rows], each player's pieces per row as a bitmask (bit c = column c),
    kept in step with the board for branch-light move generation."""

    board: np.ndarray
    bits: np.ndarray


@numba.njit(cache=True)
def _fill_legal(bits, player, mask, columns):
    # Write `player`'s legal moves (bits uint16[2, rows]) into mask bool[A]; False if it has no pieces.
    rows = bits.shape[1]
    mask[:] = False
    full = (1 << columns) - 1
    forward = 1 if player == 0 else -1
    pieces = 0
    for r in range(rows):
        own = np.int64(bits[player, r])
        pieces |= own
        target_row = r + forward
        if own == 0 or target_row < 0 or target_row >= rows:
            continue
        enemy = np.int64(bits[1 - player, target_row])
        empty = full & ~(np.int64(bits[player, target_row]) | enemy)
        # Bit c of each set: the piece in column c has that move (target c-1, c or c+1).
        movers = own & ((empty << 1) | empty | (empty >> 1) | (enemy << 1) | (enemy >> 1))
        while movers:
            c = _LOWEST_BIT[movers]
            movers &= movers - 1
            base = ((r * columns + c) * _DIRECTIONS + 3 * player) * 2
            mask[base] = ((empty << 1) >> c) & 1 != 0  # diagonal to column c-1
            mask[base + 1] = ((enemy << 1) >> c) & 1 != 0  # ... capturing
            mask[base + 2] = (empty >> c) & 1 != 0  # straight (never a capture)
            mask[base + 4] = (empty >> (c + 1)) & 1 != 0  # diagonal to column c+1
            mask[base + 5] = (enemy >> (c + 1)) & 1 != 0  # ... capturing
    return pieces != 0


@numba.njit(cache=True)
def _apply(board, bits, current_player, mask, rewards, terminated, step_count, action, active):
    batch, rows, columns = board.shape
    for b in range(batch):
        if not active[b]:
            continue
        player = current_player[b]
        cell = action[b] // (2 * _DIRECTIONS)
        direction = (action[b] // 2) % _DIRECTIONS
        row, col = cell // columns, cell % columns
        to_row = row + (1 if direction < 3 else -1)
        to_col = col + direction % 3 - 1
        board[b, to_row, to_col] = player + 1
        board[b, row, col] = 0
        bits[b, player, row] &= ~(1 << col)
        bits[b, player, to_row] |= 1 << to_col
        bits[b, 1 - player, to_row] &= ~(1 << to_col)
        step_count[b] += 1
        current_player[b] = 1 - player
        opponent_alive = _fill_legal(bits[b], 1 - player, mask[b], columns)
        if to_row == (rows - 1 if player == 0 else 0) or not opponent_alive:
            end_game(terminated, rewards, mask, b, player)


def _square(row: int, col: int, rows: int) -> str:
    # OpenSpiel's square name (off-board columns and ranks come out as its characters do).
    return f"{chr(ord('a') + col)}{rows - row}"


def make_game(*, rows: int = 8, columns: int = 8) -> Game:
    """Breakthrough on a `rows` × `columns` board (5..10 each)."""
    rows = check_int_param(ID, "rows", rows, 5, 10)
    columns = check_int_param(ID, "columns", columns, 5, 10)
    num_actions = rows * columns * _DIRECTIONS * 2

    start = np.zeros((rows, columns), dtype=np.int8)
    home_rows = 2 if rows >= 6 else 1  # as OpenSpiel: one row each on a 5-row board
    start[:home_rows] = 1
    start[-home_rows:] = 2
    start_bits = np.array([(start == 1 + p) @ (1 << np.arange(columns)) for p in (0, 1)], dtype=np.uint16)
    start_mask = np.zeros(num_actions, dtype=np.bool_)
    _fill_legal(start_bits, 0, start_mask, columns)

    def init(batch_size: int) -> BreakthroughState:
        common = fresh_common_fields(batch_size, num_actions)
        common["legal_action_mask"][:] = start_mask
        return BreakthroughState(
            board=np.broadcast_to(start, (batch_size, rows, columns)).copy(),
            bits=np.broadcast_to(start_bits, (batch_size, 2, rows)).copy(),
            **common,
        )

    def render(state: BreakthroughState, row: int) -> str:
        # draw_grid's layout, with rows labelled by rank (rows at the top, 1 at the bottom).
        lines = draw_grid(state.board[row]).splitlines()
        margin = len(str(rows))
        ranked = [f"{rows - r:>{margin}}{line[margin:]}" for r, line in enumerate(lines[1:])]
        return "\n".join([lines[0], *ranked])

    def action_name(action: int) -> str:
        cell, rest = divmod(int(action), 2 * _DIRECTIONS)
        direction, capture = divmod(rest, 2)
        row, col = divmod(cell, columns)
        to_row, to_col = row + (1 if direction < 3 else -1), col + direction % 3 - 1
        return _square(row, col, rows) + _square(to_row, to_col, rows) + ("*" if capture else "")

    cell_mirror = grid_symmetries(rows, columns, ("flip_lr",))["flip_lr"]
    cells, directions, captures = np.unravel_index(np.arange(num_actions), (rows * columns, _DIRECTIONS, 2))
    action_mirror = (cell_mirror[cells] * _DIRECTIONS + _MIRRORED_DIRECTION[directions]) * 2 + captures
    symmetries = (
        Symmetry("identity", np.arange(rows * columns), np.arange(num_actions)),
        Symmetry("flip_lr", cell_mirror, action_mirror.astype(np.int64)),
    )
    observe = stone_observation((rows, columns), seat_plane=True)
    return Game(
        id=ID,
        version=0,
        params={"rows": rows, "columns": columns},
        num_actions=num_actions,
        observation_shape=observe.shape,
        board_shape=(rows, columns),
        cell_layout="square",
        max_game_length=columns * (4 * rows - 6) + 1,
        symmetries=symmetries,
        init_fn=init,
        apply=bind_kernel(_apply, ("board", "bits", *KERNEL_FIELDS)),
        observe_fn=observe,
        render_fn=render,
        cells_fn=lambda state: state.board,
        action_name=action_name,
    )
