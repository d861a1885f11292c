"""Go board mechanics in numba, one game (row) at a time: chains, liberties, captures, legality.

Per game (all arrays are one row of the batched `GoState`, C = N*N cells):
  board   int8[C]    0 empty, 1 black (player 0), 2 white (player 1)
  root    int16[C]   the chain representative of each stone (undefined where empty)
  ring    int16[C]   next stone of the same chain (a circular list per chain)
  libs    int16[C]   pseudo-liberties of the chain, at its root: the number of (stone, empty
                     neighbour) pairs, so a chain is captured exactly when it reaches 0
  size    int16[C]   stones in the chain, at its root
Chains are merged by relabelling the smaller one, captures walk the ring: no flood fill per
move. Positions are Zobrist-hashed (`keys[cell, colour]`), and the hashes of all earlier
positions of the game are kept, with a Bloom filter in front, for positional superko.
"""

from __future__ import annotations

import numba
import numpy as np

NO_CELL = -1


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
def remember(bloom, value):
    # Add a position hash to the game's Bloom filter (uint64[W], one bit per hash).
    bit = value & np.uint64(bloom.shape[0] * 64 - 1)
    bloom[bit >> np.uint64(6)] |= np.uint64(1) << (bit & np.uint64(63))


@numba.njit(cache=True)
def seen_before(bloom, history, count, value):
    # True if `value` is among history[:count]; the Bloom filter answers most misses.
    bit = value & np.uint64(bloom.shape[0] * 64 - 1)
    if not (bloom[bit >> np.uint64(6)] >> (bit & np.uint64(63))) & np.uint64(1):
        return False
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
def move_outcome(board, root, ring, libs, neighbours, keys, cell, colour, position_hash):
    # (legal_by_liberties, resulting position hash) of `colour` (1 or 2) playing empty `cell`.
    # A neighbour chain with more than 4 pseudo-liberties keeps one whatever happens here (this
    # cell holds at most 4 of them): only chains with few liberties need the exact count.
    has_liberty = False
    new_hash = position_hash ^ keys[cell, colour - 1]
    seen0 = seen1 = seen2 = NO_CELL  # enemy chains already captured (each at most once)
    for k in range(4):
        other = neighbours[cell, k]
        if other == NO_CELL:
            continue
        if board[other] == 0:
            has_liberty = True
            continue
        chain = root[other]
        own = board[other] == colour
        if libs[chain] > 4:
            if own:
                has_liberty = True
            continue
        if own and has_liberty:
            continue
        touching = 0  # how many of the chain's pseudo-liberties are this cell
        for j in range(4):
            n = neighbours[cell, j]
            if n != NO_CELL and board[n] != 0 and root[n] == chain:
                touching += 1
        if own:
            if libs[chain] > touching:
                has_liberty = True
        elif libs[chain] == touching and chain != seen0 and chain != seen1 and chain != seen2:
            has_liberty = True  # the enemy chain is captured
            new_hash ^= _chain_key(board, ring, keys, chain)
            if seen0 == NO_CELL:
                seen0 = chain
            elif seen1 == NO_CELL:
                seen1 = chain
            else:
                seen2 = chain
    return has_liberty, new_hash


@numba.njit(cache=True)
def place(board, root, ring, libs, size, neighbours, keys, cell, colour, position_hash):
    # Play a legal move in place; returns the new position hash.
    enemy = 3 - colour
    board[cell] = colour
    root[cell] = cell
    ring[cell] = cell
    size[cell] = 1
    libs[cell] = 0
    for k in range(4):
        other = neighbours[cell, k]
        if other != NO_CELL and board[other] == 0:
            libs[cell] += 1
    position_hash ^= keys[cell, colour - 1]
    for k in range(4):
        other = neighbours[cell, k]
        if other == NO_CELL or board[other] == 0:
            continue
        libs[root[other]] -= 1  # this cell was one of its pseudo-liberties
    for k in range(4):
        other = neighbours[cell, k]
        if other != NO_CELL and board[other] == colour and root[other] != root[cell]:
            _merge(root, ring, libs, size, root[cell], root[other])
    for k in range(4):
        other = neighbours[cell, k]
        if other != NO_CELL and board[other] == enemy and libs[root[other]] == 0:
            position_hash = _capture(board, root, ring, libs, neighbours, keys, other, position_hash)
    return position_hash


@numba.njit(cache=True)
def _merge(root, ring, libs, size, first, second):
    # Merge two chains (given by their roots), relabelling the smaller.
    if size[first] < size[second]:
        first, second = second, first
    stone = second
    while True:
        root[stone] = first
        stone = ring[stone]
        if stone == second:
            break
    ring[first], ring[second] = ring[second], ring[first]  # splice the two rings
    libs[first] += libs[second]
    size[first] += size[second]


@numba.njit(cache=True)
def _capture(board, root, ring, libs, neighbours, keys, start, position_hash):
    # Remove the chain through `start`; its neighbours gain the freed pseudo-liberties.
    stone = start
    while True:
        position_hash ^= keys[stone, board[stone] - 1]
        board[stone] = 0
        stone = ring[stone]
        if stone == start:
            break
    while True:
        for k in range(4):
            other = neighbours[stone, k]
            if other != NO_CELL and board[other] != 0:
                libs[root[other]] += 1
        stone = ring[stone]
        if stone == start:
            break
    return position_hash


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
