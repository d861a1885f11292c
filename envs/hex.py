"""Hex on an N×N rhombus (N = `board_size`, 2..19), as OpenSpiel's `hex`.

Rules: player 0 ("x", black) connects the top and bottom rows, player 1 ("o", white) the left
and right columns; players alternate placing a stone on an empty cell, player 0 first. Cell
(r, c) touches (r-1, c), (r-1, c+1), (r, c-1), (r, c+1), (r+1, c-1), (r+1, c). There are no
draws. With `swap=True` (the pie rule; default off, as in OpenSpiel) the second player's first
move may be the swap action, which is OpenSpiel's "swap pieces" variant: the first stone at
(r, c) is replaced by a stone of player 1 at the mirrored cell (c, r), and player 0 moves next
(the players keep their colours and edges).
Actions: N*N cells (row * N + col, as OpenSpiel), plus action N*N = swap when `swap=True`.
Observation: float32[3, N, N]: the mover's stones, the opponent's, and a plane of ones when
the point-of-view player is player 1 (who connects left-right), so the net knows its goal.
Rewards: +1 / -1 to winner / loser.
Symmetries: identity and the 180° rotation (which keeps both players' edges).
Win detection is incremental: a union-find over cells whose roots carry the edges the chain
touches, updated for the six neighbours of each new stone.
Random playouts (`playout_fn`, without the swap rule) fill the board instead of stepping: a
full Hex board has exactly one winner and a chain, once connected, stays connected, so placing
every remaining stone with the same draws and then finding who connects gives the winner of
the playout that stops at the first connection, without a win check per move.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from boardzoo.envs._board import cell_name, draw_grid, end_game, stone_observation
from boardzoo.envs._sampling import keyed_pick_row
from boardzoo.envs.core import (
    KERNEL_FIELDS,
    Game,
    State,
    bind_kernel,
    bind_playout,
    cell_symmetries,
    check_bool_param,
    check_int_param,
    fresh_common_fields,
)

ID = "hex"
_PLAYOUT_FIELDS = ("board", "legal_action_mask", "current_player")
_TOP, _BOTTOM, _LEFT, _RIGHT = 1, 2, 4, 8
_NEIGHBOURS = ((-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0))


@dataclass(frozen=True)
class HexState(State):
    """Adds board: int8[B, N*N] (0 empty, 1 + player), parent: int16[B, N*N] (union-find,
    valid for occupied cells) and edges: uint8[B, N*N] (edge bits of the chain, at roots)."""

    board: np.ndarray
    parent: np.ndarray
    edges: np.ndarray


@numba.njit(cache=True)
def _find(parent, cell):
    while parent[cell] != cell:
        parent[cell] = parent[parent[cell]]
        cell = parent[cell]
    return cell


@numba.njit(cache=True)
def _edge_bits(player, row, col, size):
    if player == 0:
        return (_TOP if row == 0 else 0) | (_BOTTOM if row == size - 1 else 0)
    return (_LEFT if col == 0 else 0) | (_RIGHT if col == size - 1 else 0)


@numba.njit(cache=True)
def _place(board, parent, edges, player, cell, size):
    # Put a stone, merge it with its same-coloured neighbours; True if it connects the edges.
    row, col = cell // size, cell % size
    board[cell] = player + 1
    parent[cell] = cell
    bits = _edge_bits(player, row, col, size)
    for dr, dc in _NEIGHBOURS:
        r, c = row + dr, col + dc
        if 0 <= r < size and 0 <= c < size and board[r * size + c] == player + 1:
            root = _find(parent, r * size + c)
            if root != cell:
                parent[root] = cell
                bits |= edges[root]
    edges[cell] = bits
    goal = (_TOP | _BOTTOM) if player == 0 else (_LEFT | _RIGHT)
    return (bits & goal) == goal


@numba.njit(cache=True)
def _apply(board, parent, edges, current_player, mask, rewards, terminated, step_count, action, active, size, swap):
    cells = size * size
    for b in range(board.shape[0]):
        if not active[b]:
            continue
        player = current_player[b]
        step_count[b] += 1
        current_player[b] = 1 - player
        if action[b] == cells:  # swap: the lone first stone (r, c) becomes player 1's at (c, r)
            first = np.argmax(board[b] != 0)
            mirrored = (first % size) * size + first // size
            board[b, first] = 0
            mask[b, first] = True
            _place(board[b], parent[b], edges[b], 1, mirrored, size)
            mask[b, mirrored] = False
            mask[b, cells] = False
            continue
        mask[b, action[b]] = False
        if swap:
            mask[b, cells] = step_count[b] == 1
        if _place(board[b], parent[b], edges[b], player, action[b], size):
            end_game(terminated, rewards, mask, b, player)


@numba.njit(cache=True)
def _connects_top_to_bottom(board, size, stack, seen):
    # Whether player 0's stones (1) join row 0 to row size - 1 on int8[N*N] `board`; stack
    # (int64[N*N]) and seen (bool[N*N]) are scratch space.
    seen[:] = False
    top = 0
    for cell in range(size):
        if board[cell] == 1:
            seen[cell] = True
            stack[top] = cell
            top += 1
    while top > 0:
        top -= 1
        cell = stack[top]
        row, col = cell // size, cell % size
        if row == size - 1:
            return True
        for dr, dc in _NEIGHBOURS:
            r, c = row + dr, col + dc
            if 0 <= r < size and 0 <= c < size:
                other = r * size + c
                if board[other] == 1 and not seen[other]:
                    seen[other] = True
                    stack[top] = other
                    top += 1
    return False


@numba.njit(cache=True)
def _fill_playouts(board, legal, current_player, keys, outcome, rows, size):
    # outcome[b] = the result for row b < rows's player to move of a random playout, by
    # filling the board (see the module docstring). legal: the legal mask (the empty cells, no
    # swap action); the stone of ply p is drawn as the keyed sampler draws it.
    cells = size * size
    empty = np.empty((1, cells), dtype=np.uint8)
    no_words = np.empty((0, 0), dtype=np.uint64)
    filled = np.empty(cells, dtype=np.int8)
    stack = np.empty(cells, dtype=np.int64)
    seen = np.empty(cells, dtype=np.bool_)
    for b in range(rows):
        empty[0, :] = legal[b, :]
        filled[:] = board[b, :]
        mover = current_player[b]
        for ply in range(cells - np.count_nonzero(board[b])):
            cell = keyed_pick_row(empty, no_words, keys, ply, 0, b)
            empty[0, cell] = 0
            filled[cell] = mover + 1
            mover = 1 - mover
        winner = 0 if _connects_top_to_bottom(filled, size, stack, seen) else 1
        outcome[b] = 1.0 if winner == current_player[b] else -1.0


def make_game(*, board_size: int = 11, swap: bool = False) -> Game:
    """Hex on a `board_size` × `board_size` board (2..19), optionally with the swap rule."""
    size = check_int_param(ID, "board_size", board_size, 2, 19)
    swap = check_bool_param(ID, "swap", swap)
    cells = size * size
    num_actions = cells + int(swap)

    def init(batch_size: int) -> HexState:
        common = fresh_common_fields(batch_size, num_actions)
        if swap:
            common["legal_action_mask"][:, cells] = False
        return HexState(
            board=np.zeros((batch_size, cells), dtype=np.int8),
            parent=np.zeros((batch_size, cells), dtype=np.int16),
            edges=np.zeros((batch_size, cells), dtype=np.uint8),
            **common,
        )

    observe = stone_observation((size, size), seat_plane=True)
    return Game(
        id=ID,
        version=0,
        params={"board_size": size, "swap": swap},
        num_actions=num_actions,
        observation_shape=observe.shape,
        board_shape=(size, size),
        cell_layout="hex",
        max_game_length=cells + int(swap),
        symmetries=cell_symmetries(size, size, ("identity", "rot180"), fixed_actions=int(swap)),
        init_fn=init,
        apply=bind_kernel(_apply, ("board", "parent", "edges", *KERNEL_FIELDS), size, swap),
        observe_fn=observe,
        render_fn=lambda state, row: draw_grid(state.board[row].reshape(size, size), hex_offset=True),
        cells_fn=lambda state: state.board.reshape(-1, size, size),
        action_name=lambda action: "swap" if action == cells else cell_name(action, size),
        playout_fn=None if swap else bind_playout(_fill_playouts, _PLAYOUT_FIELDS, size),
    )
