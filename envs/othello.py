"""Othello (Reversi) on an N×N board (N = `board_size`, even, 4..16; 8 by default), as OpenSpiel's
`othello` (which exists only at 8×8).

Rules: player 0 ("x", black) moves first. The start position has four stones in the centre:
"o" on the main diagonal (d4, e5 on 8×8), "x" on the other (e4, d5). A move places a stone of
the mover's colour on an empty cell such that, in at least one of the 8 directions, a run of
one or more opponent stones is closed by a stone of the mover's; every such run (in all
directions at once) turns to the mover's colour. A player with no such move must pass, and
passing is legal only then. The game ends after a move that leaves neither player a move
(a full board, a wipe-out, or a blocked position); the player with more stones wins, equal
counts draw. As in OpenSpiel, the stuck player plays the pass explicitly, and it counts as a
ply.
Actions: N*N + 1: cell = row * N + col (row 0 at the top, as OpenSpiel), then N*N = pass.
Observation: float32[2, N, N], the point-of-view player's stones then the opponent's (the
game is colour-symmetric apart from who moves, so there is no seat plane).
Rewards: +1 / -1 to winner / loser at the end, 0 for a draw.
Symmetries: the 4 of the square that keep the start position (identity, rot180, transpose,
anti_transpose); the pass action is fixed.
Legal moves come from uint64 bitboards (a shift-and-grow fill per direction) up to 8×8 and
from a scan of each empty cell above; `from_cells` builds live positions from boards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from boardzoo.envs._board import cell_name, draw_grid, stone_observation
from boardzoo.envs.core import (
    KERNEL_FIELDS,
    Game,
    State,
    bind_kernel,
    cell_symmetries,
    fresh_common_fields,
    own_state,
    owner_key,
)

ID = "othello"
VERSION = 0
BOARD_SIZES = (4, 6, 8, 10, 12, 14, 16)
SYMMETRIES = ("identity", "rot180", "transpose", "anti_transpose")
_DIRECTIONS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


@dataclass(frozen=True)
class OthelloState(State):
    """Adds board: int8[B, N, N] (row 0 at the top; 0 empty, 1 + player)."""

    board: np.ndarray


@numba.njit(cache=True)
def _run_length(board, row, col, dr, dc, stone):
    # Opponent stones from (row, col) in direction (dr, dc) closed by `stone`; 0 if not closed.
    size = board.shape[0]
    r, c, count = row + dr, col + dc, 0
    while 0 <= r < size and 0 <= c < size:
        v = board[r, c]
        if v == stone:
            return count
        if v == 0:
            return 0
        count += 1
        r += dr
        c += dc
    return 0


@numba.njit(cache=True)
def _is_move(board, row, col, stone):
    if board[row, col] != 0:
        return False
    for dr, dc in _DIRECTIONS:  # noqa: SIM110 (a plain loop: numba has no any() over a generator)
        if _run_length(board, row, col, dr, dc, stone) > 0:
            return True
    return False


# Boards up to 8×8 also use bitboards: bit r * 8 + c (stride 8 whatever N is), a uint64.
_NOT_FIRST_COLUMN = np.uint64(0xFEFEFEFEFEFEFEFE)
_NOT_LAST_COLUMN = np.uint64(0x7F7F7F7F7F7F7F7F)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


@numba.njit(cache=True)
def _shift(bits, direction):
    # All stones moved one step in direction 0..7 (N, S, W, E, NW, NE, SW, SE), wrapped bits cleared.
    if direction == 0:
        return bits >> np.uint64(8)
    if direction == 1:
        return bits << np.uint64(8)
    if direction == 2:
        return (bits >> np.uint64(1)) & _NOT_LAST_COLUMN
    if direction == 3:
        return (bits << np.uint64(1)) & _NOT_FIRST_COLUMN
    if direction == 4:
        return (bits >> np.uint64(9)) & _NOT_LAST_COLUMN
    if direction == 5:
        return (bits >> np.uint64(7)) & _NOT_FIRST_COLUMN
    if direction == 6:
        return (bits << np.uint64(7)) & _NOT_LAST_COLUMN
    return (bits << np.uint64(9)) & _NOT_FIRST_COLUMN


@numba.njit(cache=True)
def _move_bits(board, stone):
    # Bitboard of the legal cells for `stone` (N <= 8): runs of opponent stones grown from own ones.
    size = board.shape[0]
    own, opponent, empty = np.uint64(0), np.uint64(0), np.uint64(0)
    for row in range(size):
        for col in range(size):
            bit = np.uint64(1) << np.uint64(row * 8 + col)
            v = board[row, col]
            if v == stone:
                own |= bit
            elif v == 0:
                empty |= bit
            else:
                opponent |= bit
    moves = np.uint64(0)
    for direction in range(8):
        run = _shift(own, direction) & opponent
        for _ in range(size - 3):
            run |= _shift(run, direction) & opponent
        moves |= _shift(run, direction) & empty
    return moves


@numba.njit(cache=True)
def _fill_mask(board, stone, mask):
    # mask[cell] = placing `stone` there is legal; pass left False. Returns the number of moves.
    size = board.shape[0]
    count = 0
    if size <= 8:
        moves = _move_bits(board, stone)
        for row in range(size):
            for col in range(size):
                legal = (moves >> np.uint64(row * 8 + col)) & np.uint64(1) != 0
                mask[row * size + col] = legal
                count += legal
    else:
        for row in range(size):
            for col in range(size):
                legal = _is_move(board, row, col, stone)
                mask[row * size + col] = legal
                count += legal
    mask[size * size] = False
    return count


@numba.njit(cache=True)
def _has_move(board, stone):
    size = board.shape[0]
    if size <= 8:
        return _move_bits(board, stone) != 0
    for row in range(size):
        for col in range(size):
            if _is_move(board, row, col, stone):
                return True
    return False


@numba.njit(cache=True)
def _place(board, row, col, stone):
    # Put `stone` at (row, col) and flip every closed run of opponent stones.
    board[row, col] = stone
    for dr, dc in _DIRECTIONS:
        for k in range(1, _run_length(board, row, col, dr, dc, stone) + 1):
            board[row + k * dr, col + k * dc] = stone


@numba.njit(cache=True)
def _settle(board, player, mask, rewards, terminated):
    # After `player` placed a stone: the opponent's moves, else a forced pass, else the end.
    opponent = 1 - player
    if _fill_mask(board, opponent + 1, mask) > 0:
        return
    if _has_move(board, player + 1):
        mask[board.shape[0] * board.shape[0]] = True
        return
    terminated[0] = True  # the mask is already all False
    own = np.sum(board == player + 1)
    other = np.sum(board == opponent + 1)
    if own != other:
        winner = player if own > other else opponent
        rewards[winner] = 1.0
        rewards[1 - winner] = -1.0


@numba.njit(cache=True)
def _apply(board, current_player, mask, rewards, terminated, step_count, action, active):
    size = board.shape[1]
    for b in range(board.shape[0]):
        if not active[b]:
            continue
        player = current_player[b]
        step_count[b] += 1
        current_player[b] = 1 - player
        if action[b] == size * size:  # pass: legal only when stuck, so the opponent has a move
            _fill_mask(board[b], 2 - player, mask[b])
            continue
        _place(board[b], action[b] // size, action[b] % size, player + 1)
        _settle(board[b], player, mask[b], rewards[b], terminated[b : b + 1])


@numba.njit(cache=True)
def _masks_of(board, current_player, mask):
    # Legal masks of arbitrary positions; returns the first row where neither side can move, else -1.
    pass_action = board.shape[1] * board.shape[1]
    for b in range(board.shape[0]):
        if _fill_mask(board[b], current_player[b] + 1, mask[b]) == 0:
            if not _has_move(board[b], 2 - current_player[b]):
                return b
            mask[b, pass_action] = True
    return -1


def from_cells(cells: np.ndarray, current_player: np.ndarray) -> OthelloState:
    """Live positions from boards, e.g. to study openings or to build test positions.

    Args:
      cells: int[B, N, N] (row 0 at the top), 0 empty, 1 + owner's player index.
      current_player: int[B], the player to move (who gets only the pass if stuck).

    Returns:
      The states, with step_count 0, belonging to `make_game(board_size=N)` (any such game).

    Raises:
      ValueError: a bad shape or value, or a row where neither player can move (a finished game).
    """
    cells, current_player = np.asarray(cells), np.asarray(current_player)
    if cells.ndim != 3 or cells.shape[1] != cells.shape[2] or cells.shape[1] not in BOARD_SIZES:
        raise ValueError(f"{ID}: cells must have shape (B, N, N) with N in {BOARD_SIZES}, got {cells.shape}")
    if not np.isin(cells, (0, 1, 2)).all():
        raise ValueError(f"{ID}: cells must hold 0 (empty), 1 (player 0) or 2 (player 1)")
    if current_player.shape != cells.shape[:1] or not np.isin(current_player, (0, 1)).all():
        raise ValueError(f"{ID}: current_player must be 0 or 1 per row, shape ({cells.shape[0]},)")
    board = cells.astype(np.int8)
    players = current_player.astype(np.int32)
    size = board.shape[1]
    common = fresh_common_fields(board.shape[0], size * size + 1)
    common["current_player"] = players
    row = _masks_of(board, players, common["legal_action_mask"])
    if row >= 0:
        raise ValueError(f"{ID}: row {row} is a finished game (neither player can move)")
    return own_state(OthelloState(board=board, **common), owner_key(ID, VERSION, {"board_size": size}))


def make_game(*, board_size: int = 8) -> Game:
    """Othello on a `board_size` × `board_size` board (even, 4..16)."""
    if isinstance(board_size, bool) or not isinstance(board_size, int | np.integer):
        raise ValueError(f"{ID}: board_size must be an even int in 4..16, got {board_size!r}")
    size = int(board_size)
    if size not in BOARD_SIZES:
        reason = "is odd" if size % 2 else "is out of range"
        raise ValueError(f"{ID}: board_size={size} {reason}; allowed: even sizes {', '.join(map(str, BOARD_SIZES))}")
    cells = size * size
    num_actions = cells + 1
    start = np.zeros((1, size, size), dtype=np.int8)
    half = size // 2
    start[0, half - 1, half - 1] = start[0, half, half] = 2
    start[0, half - 1, half] = start[0, half, half - 1] = 1
    template = from_cells(start, np.zeros(1, dtype=np.int32))

    def init(batch_size: int) -> OthelloState:
        common = fresh_common_fields(batch_size, num_actions)
        common["legal_action_mask"] = np.repeat(template.legal_action_mask, batch_size, axis=0)
        return OthelloState(board=np.repeat(template.board, batch_size, axis=0), **common)

    observe = stone_observation((size, size))
    return Game(
        id=ID,
        version=VERSION,
        params={"board_size": size},
        num_actions=num_actions,
        observation_shape=observe.shape,
        board_shape=(size, size),
        cell_layout="square",
        # Every pass is followed by a placement and the last ply is one: passes < placements.
        max_game_length=2 * (cells - 4) - 1,
        symmetries=cell_symmetries(size, size, SYMMETRIES, fixed_actions=1),
        init_fn=init,
        apply=bind_kernel(_apply, ("board", *KERNEL_FIELDS)),
        observe_fn=observe,
        render_fn=lambda state, row: draw_grid(state.board[row]),
        cells_fn=lambda state: state.board,
        action_name=lambda action: "pass" if action == cells else cell_name(action, size),
    )
