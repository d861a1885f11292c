"""The Connect Four search structure: bitboards and an alpha-beta negamax over them (numba).

This is not a second rules module: it is the compact position encoding the solver searches
over (the kernel's int8 boards are far too slow to copy at every node). Its move generation and
line detection are cross-checked against the kernel in tests/solvers.

Encoding (John Tromp's, as in Pascal Pons' solver): bit `c * (rows + 1) + h` is the cell of
column c at height h (0 = bottom); each column has one spare bit above it, so lines never wrap.
A position is `own` (the mover's stones) and `mask` (all stones); `own + mask` is a unique key.

Scores count plies: a win for the mover when the board holds E stones after the winning one is
worth `cells + 1 - E`, a loss `-(cells + 1 - E)`, a draw 0. They depend on the position only, so
negamax negates them and the transposition table keeps them between searches.
"""

from __future__ import annotations

import numba
import numpy as np

U1 = np.uint64(1)
U0 = np.uint64(0)
HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
BOUND = 127
"""scores lie strictly inside (-BOUND, BOUND)"""


def geometry(rows: int, columns: int, x_in_row: int, table_bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ints, masks, order): int64[6] rows, columns, x_in_row, rows + 1, cells, table bits; uint64[2 + columns]
    bottom row, board, then each column's cells; int64[columns] columns centre first."""
    height = rows + 1
    ints = np.array([rows, columns, x_in_row, height, rows * columns, table_bits], np.int64)
    column_masks = [((1 << rows) - 1) << (c * height) for c in range(columns)]
    bottom = sum(1 << (c * height) for c in range(columns))
    masks = np.array([bottom, sum(column_masks), *column_masks], np.uint64)
    order = np.array(sorted(range(columns), key=lambda c: (abs(2 * c - (columns - 1)), c)), np.int64)
    return ints, masks, order


@numba.njit(cache=True)
def encode(board, current_player, rows, columns):
    # Kernel boards int8[B, rows, columns] (row 0 on top) -> (own uint64[B], mask uint64[B], stones int64[B]).
    batch = board.shape[0]
    own = np.zeros(batch, np.uint64)
    mask = np.zeros(batch, np.uint64)
    stones = np.zeros(batch, np.int64)
    for b in range(batch):
        for r in range(rows):
            for c in range(columns):
                v = board[b, r, c]
                if v != 0:
                    bit = U1 << np.uint64(c * (rows + 1) + rows - 1 - r)
                    mask[b] |= bit
                    stones[b] += 1
                    if v == current_player[b] + 1:
                        own[b] |= bit
    return own, mask, stones


@numba.njit(cache=True)
def _shift(x, d):
    # The cells x such that cell x + d is set in `x` (0 if the shift leaves 64 bits).
    if d >= 64 or d <= -64:
        return U0
    if d >= 0:
        return x >> np.uint64(d)
    return x << np.uint64(-d)


@numba.njit(cache=True)
def winning_cells(own, mask, ints, board_mask):
    # Empty cells that would complete x_in_row of `own`'s stones in a line (playable or not).
    k, height = ints[2], ints[3]
    found = U0
    for step in (1, height - 1, height, height + 1):
        for gap in range(k):
            window = board_mask
            for i in range(k):
                if i != gap:
                    window &= _shift(own, (i - gap) * step)
            found |= window
    return found & (board_mask ^ mask)


@numba.njit(cache=True)
def has_line(stones, ints, board_mask):
    # True if `stones` hold x_in_row in a line.
    k, height = ints[2], ints[3]
    for step in (1, height - 1, height, height + 1):
        run = stones
        for i in range(1, k):
            run &= _shift(stones, i * step)
        if run & board_mask:
            return True
    return False


@numba.njit(cache=True)
def _popcount(x):
    count = 0
    while x:
        x &= x - U1
        count += 1
    return count


@numba.njit(cache=True)
def _slot(key, table_bits):
    return (key * HASH_MULTIPLIER) >> np.uint64(64 - table_bits)


def new_stack(cells: int, columns: int) -> tuple[np.ndarray, ...]:
    """The search's explicit stack, one frame per stone count: positions uint64[cells + 2, 2]
    (own, mask), windows int64[., 4] (alpha, beta, searched alpha, best), moves uint64[., columns],
    counters int64[., 3] (moves, next move, table slot), move scores int64[., columns]."""
    frames = cells + 2
    return (
        np.zeros((frames, 2), np.uint64),
        np.zeros((frames, 4), np.int64),
        np.zeros((frames, columns), np.uint64),
        np.zeros((frames, 3), np.int64),
        np.zeros((frames, columns), np.int64),
    )


@numba.njit(cache=True)
def _open(stones, ints, masks, order, table, stack):
    # Enter the frame of `stones`: (True, score or bound) if it is decided without children;
    # else (False, 0) with its ordered moves, window and table slot set up.
    keys, lower, upper = table
    positions, windows, moves, counters, scores = stack
    own, mask = positions[stones, 0], positions[stones, 1]
    alpha, beta = windows[stones, 0], windows[stones, 1]
    columns, cells = ints[1], ints[4]
    bottom, board_mask = masks[0], masks[1]
    possible = (mask + bottom) & board_mask
    if winning_cells(own, mask, ints, board_mask) & possible:
        return True, cells - stones
    threats = winning_cells(own ^ mask, mask, ints, board_mask)
    forced = possible & threats
    if forced:
        if forced & (forced - U1):
            return True, -(cells - stones - 1)
        possible = forced
    playable = possible & ~(threats >> U1)
    if playable == U0:
        return True, -(cells - stones - 1)
    if stones >= cells - 2:
        return True, 0
    low, high = -(cells - stones - 3), cells - stones - 2
    key = own + mask
    slot = _slot(key, ints[5])
    if keys[slot] == key:
        low = max(low, lower[slot])
        high = min(high, upper[slot])
    if low >= beta or low >= high:
        return True, low
    if high <= alpha:
        return True, high
    alpha, beta = max(alpha, low), min(beta, high)
    windows[stones, 0], windows[stones, 1], windows[stones, 2], windows[stones, 3] = alpha, beta, alpha, -BOUND
    count = 0
    for i in range(columns):
        move = playable & masks[2 + order[i]]
        if move:
            score = _popcount(winning_cells(own | move, mask | move, ints, board_mask))
            j = count
            while j > 0 and scores[stones, j - 1] < score:
                moves[stones, j], scores[stones, j] = moves[stones, j - 1], scores[stones, j - 1]
                j -= 1
            moves[stones, j], scores[stones, j] = move, score
            count += 1
    counters[stones, 0], counters[stones, 1], counters[stones, 2] = count, 0, slot
    return False, 0


@numba.njit(cache=True)
def _push(stones, stack):
    # Set up the frame of the next child of the frame of `stones`.
    positions, windows, moves, counters, _ = stack
    own, mask = positions[stones, 0], positions[stones, 1]
    move = moves[stones, counters[stones, 1]]
    counters[stones, 1] += 1
    positions[stones + 1, 0], positions[stones + 1, 1] = own ^ mask, mask | move
    windows[stones + 1, 0], windows[stones + 1, 1] = -windows[stones, 1], -windows[stones, 0]


@numba.njit(cache=True)
def _close(stones, table, stack):
    # Store the frame's result as a bound or exact score in the table and return it.
    keys, lower, upper = table
    positions, windows, _, counters, _ = stack
    key = positions[stones, 0] + positions[stones, 1]
    slot, best = counters[stones, 2], windows[stones, 3]
    if keys[slot] != key:
        keys[slot], lower[slot], upper[slot] = key, -BOUND, BOUND
    if best >= windows[stones, 1]:
        lower[slot] = max(lower[slot], best)
    elif best <= windows[stones, 2]:
        upper[slot] = min(upper[slot], best)
    else:
        lower[slot], upper[slot] = best, best
    return best


@numba.njit(cache=True)
def negamax(own, mask, stones, alpha, beta, ints, masks, order, table, stack):
    # The score of the position for the mover if inside (alpha, beta); else a bound beyond it
    # (fail-soft). table: (keys uint64[T], lower int16[T], upper int16[T]) score bounds by key;
    # stack: `new_stack`. Depth-first with an explicit stack (numba caches no recursion).
    positions, windows, _, counters, _ = stack
    base = stones
    positions[stones, 0], positions[stones, 1] = own, mask
    windows[stones, 0], windows[stones, 1] = alpha, beta
    entering = True
    result = 0
    while True:
        if entering:
            decided, result = _open(stones, ints, masks, order, table, stack)
            if not decided:
                _push(stones, stack)
                stones += 1
                continue
            entering = False
        if stones == base:
            return result
        stones -= 1
        score = -result
        if score > windows[stones, 3]:
            windows[stones, 3] = score
            if score > windows[stones, 0]:
                windows[stones, 0] = score
        if windows[stones, 0] >= windows[stones, 1] or counters[stones, 1] == counters[stones, 0]:
            result = _close(stones, table, stack)
        else:
            _push(stones, stack)
            stones += 1
            entering = True


@numba.njit(cache=True)
def exact_score(own, mask, stones, ints, masks, order, table, stack):
    # The exact score of a position: null-window probes (zero first) narrowing [low, high].
    cells = ints[4]
    low, high = -(cells - stones), cells - stones
    while low < high:
        middle = 0 if low <= 0 < high else low + (high - low) // 2
        bound = negamax(own, mask, stones, middle, middle + 1, ints, masks, order, table, stack)
        if bound <= middle:
            high = bound
        else:
            low = bound
    return low


@numba.njit(cache=True)
def solve_positions(own, mask, stones, legal, exact, ints, masks, order, table, stack):
    # Values int8[B, columns] and distances int16[B, columns] of every legal move (see negamax).
    batch, columns, cells = own.shape[0], ints[1], ints[4]
    values = np.zeros((batch, columns), np.int8)
    distances = np.full((batch, columns), -1, np.int16)
    for b in range(batch):
        wins = winning_cells(own[b], mask[b], ints, masks[1])
        for c in range(columns):
            if not legal[b, c]:
                continue
            move = (mask[b] + masks[0]) & masks[2 + c]
            known = True
            if wins & move:
                score = cells - stones[b]
            elif stones[b] + 1 == cells:
                score = 0
            elif exact:
                score = -exact_score(own[b] ^ mask[b], mask[b] | move, stones[b] + 1, ints, masks, order, table, stack)
            else:
                score = -negamax(
                    own[b] ^ mask[b], mask[b] | move, stones[b] + 1, -1, 1, ints, masks, order, table, stack
                )
                known = score == 0
            values[b, c] = 1 if score > 0 else (-1 if score < 0 else 0)
            if known:
                end = cells if score == 0 else cells + 1 - abs(score)
                distances[b, c] = end - stones[b]
    return values, distances
