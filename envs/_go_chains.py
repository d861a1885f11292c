"""Go board mechanics in numba, one game (row) at a time: chains, liberties, captures, legality.

Per game (one row of the batched `GoState`, C = N*N cells):
  board        int8[C]     0 empty, 1 black (player 0), 2 white (player 1)
  empty_around int8[C]     empty orthogonal neighbours of each cell
  chains       int16[4, C] per stone: ROOT (chain representative), RING (next stone of the
                           chain, a circular list); at the root: SIZE, and LIBS, the number of
                           the chain's pseudo-liberties, i.e. (stone, empty neighbour) pairs
  moments      int32[2, C] at the root: LIB_SUM and LIB_SQUARES, the sums of the empty cells'
                           indices and of their squares over those pairs. A chain is captured
                           when LIBS reaches 0, and is in atari (one liberty, at LIB_SUM /
                           LIBS) exactly when LIBS * LIB_SQUARES == LIB_SUM ** 2.
Every move updates these incrementally (merging relabels the smaller chain, captures walk the
ring); there is no flood fill per move. The legal mask then needs one pass over the cells.
Positions are Zobrist-hashed (`keys[cell, colour - 1]`) and the hashes of all earlier
positions are kept, with a Bloom filter in front, for positional superko.
"""

from __future__ import annotations

import numba
import numpy as np

NO_CELL = -1
ROOT, RING, SIZE, LIBS = 0, 1, 2, 3
LIB_SUM, LIB_SQUARES = 0, 1


def neighbour_table(size: int) -> np.ndarray:
    """int16[C, 4]: the orthogonal neighbours of each cell (row * N + col), -1 off the board."""
    table = np.full((size * size, 4), NO_CELL, dtype=np.int16)
    for row in range(size):
        for col in range(size):
            for k, (dr, dc) in enumerate(((-1, 0), (1, 0), (0, -1), (0, 1))):
                r, c = row + dr, col + dc
                if 0 <= r < size and 0 <= c < size:
                    table[row * size + col, k] = r * size + c
    return table


@numba.njit(cache=True)
def _filter_bits(bloom, value):
    # The two Bloom filter bits of a position hash: two disjoint slices of it (Zobrist hashes
    # are uniform, so the slices act as independent hash functions).
    bits = np.uint64(bloom.shape[0] * 64 - 1)
    return value & bits, (value >> np.uint64(32)) & bits


@numba.njit(cache=True)
def remember(bloom, value):
    # Add a position hash to the game's Bloom filter (uint64[W], two bits per hash).
    first, second = _filter_bits(bloom, value)
    bloom[first >> np.uint64(6)] |= np.uint64(1) << (first & np.uint64(63))
    bloom[second >> np.uint64(6)] |= np.uint64(1) << (second & np.uint64(63))


@numba.njit(cache=True)
def maybe_seen(bloom, value):
    # False if `value` was never remembered; True if it may have been (both of its bits set).
    first, second = _filter_bits(bloom, value)
    both = (bloom[first >> np.uint64(6)] >> (first & np.uint64(63))) & (
        bloom[second >> np.uint64(6)] >> (second & np.uint64(63))
    )
    return (both & np.uint64(1)) != 0


@numba.njit(cache=True)
def in_history(history, count, value):
    # True if `value` is among history[:count].
    for i in range(count):  # noqa: SIM110 (numba compiles loops, not generator expressions)
        if history[i] == value:
            return True
    return False


@numba.njit(cache=True)
def _chain_key(board, ring, keys, start):
    # XOR of the Zobrist keys of the chain through `start`.
    value = np.uint64(0)
    stone = start
    while True:
        value ^= keys[stone, board[stone] - 1]
        stone = ring[stone]
        if stone == start:
            return value


@numba.njit(cache=True)
def _add_liberty(chains, moments, chain, cell, sign):
    chains[LIBS, chain] += sign
    moments[LIB_SUM, chain] += sign * cell
    moments[LIB_SQUARES, chain] += sign * cell * cell


@numba.njit(cache=True)
def place(board, empty_around, chains, moments, neighbours, keys, cell, colour, position_hash):
    # Play a legal move in place; returns the new position hash.
    root = chains[ROOT]
    board[cell] = colour
    chains[ROOT, cell] = cell
    chains[RING, cell] = cell
    chains[SIZE, cell] = 1
    chains[LIBS, cell] = moments[LIB_SUM, cell] = moments[LIB_SQUARES, cell] = 0
    position_hash ^= keys[cell, colour - 1]
    for k in range(4):
        other = neighbours[cell, k]
        if other == NO_CELL:
            continue
        empty_around[other] -= 1
        if board[other] == 0:
            _add_liberty(chains, moments, cell, other, 1)
        else:
            _add_liberty(chains, moments, root[other], cell, -1)  # this cell was one of its liberties
    for k in range(4):
        other = neighbours[cell, k]
        if other != NO_CELL and board[other] == colour and root[other] != root[cell]:
            _merge(chains, moments, root[cell], root[other])
    for k in range(4):
        other = neighbours[cell, k]
        if other != NO_CELL and board[other] == 3 - colour and chains[LIBS, root[other]] == 0:
            position_hash ^= _chain_key(board, chains[RING], keys, other)
            _capture(board, empty_around, chains, moments, neighbours, other)
    return position_hash


@numba.njit(cache=True)
def _merge(chains, moments, first, second):
    # Merge two chains (given by their roots), relabelling the smaller.
    if chains[SIZE, first] < chains[SIZE, second]:
        first, second = second, first
    stone = second
    while True:
        chains[ROOT, stone] = first
        stone = chains[RING, stone]
        if stone == second:
            break
    chains[RING, first], chains[RING, second] = chains[RING, second], chains[RING, first]  # splice
    chains[SIZE, first] += chains[SIZE, second]
    chains[LIBS, first] += chains[LIBS, second]
    moments[LIB_SUM, first] += moments[LIB_SUM, second]
    moments[LIB_SQUARES, first] += moments[LIB_SQUARES, second]


@numba.njit(cache=True)
def _capture(board, empty_around, chains, moments, neighbours, start):
    # Remove the chain through `start`; the chains around gain the freed liberties.
    stone = start
    while True:
        board[stone] = 0
        stone = chains[RING, stone]
        if stone == start:
            break
    while True:
        for k in range(4):
            other = neighbours[stone, k]
            if other != NO_CELL:
                empty_around[other] += 1
                if board[other] != 0:
                    _add_liberty(chains, moments, chains[ROOT, other], stone, 1)
        stone = chains[RING, stone]
        if stone == start:
            return


@numba.njit(cache=True)
def legal_moves(
    mask,
    board,
    empty_around,
    chains,
    moments,
    neighbours,
    keys,
    colour,
    position_hash,
    history,
    count,
    bloom,
    peak,
    capture_key,
    captures,
    safe,
    enemy_atari,
):
    # Write the legal moves of `colour` into mask bool[C + 1] (pass last, always legal): empty,
    # not suicide, and not recreating an earlier position; returns the stones on the board.
    # `peak`: the most stones of any earlier position (this one included). A move that captures
    # nothing adds a stone, so while this position has the most stones yet (`stones + 1 > peak`)
    # it cannot recreate one and skips the hash and history checks: the case on most plies
    # (71% of random 9 x 9 play); the checks cost 30-40% of this function when they run.
    # capture_key uint64[C] and captures, safe, enemy_atari bool[C] are scratch space (captures
    # all False on entry and on return). Cell contents of random positions make branches
    # unpredictable, so the per-cell tests are computed with `&`/`|` in branch-free passes; only
    # the rarer cases (an enemy chain in atari, a surrounded point, a possible repetition) branch.
    cells = board.shape[0]
    enemy = 3 - colour
    root = chains[ROOT]
    ataris = 0
    stones = 0
    for cell in range(cells):
        stones += board[cell] != 0
        libs = np.int64(chains[LIBS, cell])
        total = np.int64(moments[LIB_SUM, cell])
        is_root = (root[cell] == cell) & (board[cell] != 0)
        atari = (libs > 0) & (libs * np.int64(moments[LIB_SQUARES, cell]) == total * total)
        safe[cell] = is_root & (board[cell] == colour) & ~atari  # own chain with 2+ liberties
        capturable = is_root & (board[cell] == enemy) & atari
        enemy_atari[cell] = capturable
        ataris += capturable
    if ataris > 0:  # each enemy chain in atari is captured by a move on its last liberty
        for cell in range(cells):
            if enemy_atari[cell]:
                point = np.int64(moments[LIB_SUM, cell]) // np.int64(chains[LIBS, cell])
                if not captures[point]:
                    captures[point] = True
                    capture_key[point] = np.uint64(0)
                capture_key[point] ^= _chain_key(board, chains[RING], keys, cell)
    repeatable = stones + 1 <= peak  # can a move that captures nothing recreate a position?
    for cell in range(cells):
        capturing = captures[cell]
        captures[cell] = False
        legal = (board[cell] == 0) & (capturing | (empty_around[cell] > 0))
        if (board[cell] == 0) & ~legal:  # surrounded: legal if an own neighbour chain keeps a liberty
            for k in range(4):
                other = neighbours[cell, k]
                if other != NO_CELL and board[other] == colour and safe[root[other]]:
                    legal = True
        if legal & (capturing | repeatable):
            new_hash = position_hash ^ keys[cell, colour - 1]
            if capturing:
                new_hash ^= capture_key[cell]
            if maybe_seen(bloom, new_hash):
                legal = not in_history(history, count, new_hash)
        mask[cell] = legal
    mask[cells] = True
    return stones


@numba.njit(cache=True)
def area_score(board, neighbours):
    # Tromp-Taylor area (stones + empty regions reaching only that colour): (black, white).
    cells = board.shape[0]
    score = np.zeros(3, dtype=np.int64)
    region = np.full(cells, NO_CELL, dtype=np.int64)
    stack = np.empty(cells, dtype=np.int64)
    for cell in range(cells):
        if board[cell] != 0:
            score[board[cell]] += 1
            continue
        if region[cell] != NO_CELL:
            continue
        region[cell] = cell
        stack[0] = cell
        top, count, reaches = 1, 0, 0  # reaches: bit 1 black, bit 2 white
        while top > 0:
            top -= 1
            here = stack[top]
            count += 1
            for k in range(4):
                other = neighbours[here, k]
                if other == NO_CELL:
                    continue
                if board[other] == 0:
                    if region[other] == NO_CELL:
                        region[other] = cell
                        stack[top] = other
                        top += 1
                else:
                    reaches |= board[other]
        if reaches == 1 or reaches == 2:
            score[reaches] += count
    return score[1], score[2]
