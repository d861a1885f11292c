"""The Hex search structure: bitboards, flood fills and a proof-number search over them (numba).

This is not a second rules module: it is the compact encoding the solver searches over. Its
connection test is cross-checked against the kernel's union-find in tests/solvers.

Encoding: bit `row * N + col` (the kernel's action number) of `black` (player 0, top to bottom)
and `white` (player 1, left to right); player 0 moves when the stone count is even (no swap).
A flood fill over a player's stones and the empty cells tells whether the player can still
connect its edges. That decides positions early: Hex has no draws and a player who cannot
connect any more has lost. Cells that lie on no possible chain of either player (not reachable
from both of its edges) are dead: playing one is like passing, which never helps in Hex (an
extra stone never hurts), so the search only tries live cells.
"""

from __future__ import annotations

import numba
import numpy as np

U0 = np.uint64(0)
U1 = np.uint64(1)
HASH_BLACK = np.uint64(0x9E3779B97F4A7C15)
HASH_WHITE = np.uint64(0xC2B2AE3D27D4EB4F)
INFINITE = np.int64(1 << 30)
"""proof and disproof numbers saturate here"""


def geometry(size: int, table_bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ints, masks, order): int64[3] size, cells, table bits; uint64[7] board, not first column,
    not last column, top row, bottom row, first column, last column; int64[cells] cells ordered
    from the centre outwards (hex distance)."""
    cells = size * size
    full = (1 << cells) - 1
    first = sum(1 << (r * size) for r in range(size))
    last = first << (size - 1)
    top = (1 << size) - 1
    bottom = top << (size * (size - 1))
    masks = np.array([full, full ^ first, full ^ last, top, bottom, first, last], np.uint64)

    def hex_distance(cell: int) -> float:
        dr, dc = cell // size - (size - 1) / 2, cell % size - (size - 1) / 2
        return max(abs(dr), abs(dc), abs(dr + dc))

    order = np.array(sorted(range(cells), key=lambda cell: (hex_distance(cell), cell)), np.int64)
    return np.array([size, cells, table_bits], np.int64), masks, order


def new_stack(cells: int) -> tuple[np.ndarray, ...]:
    """The explicit stack, one frame per stone count: stones uint64[cells + 2, 2] (black, white),
    thresholds int64[., 2] (proof, disproof), moves int64[., cells] (cells), move counts int64[.],
    the frame's own copy of its children's proof and disproof numbers int64[., cells] each, and
    the child being searched int64[.]."""
    frames = cells + 2
    return (
        np.zeros((frames, 2), np.uint64),
        np.zeros((frames, 2), np.int64),
        np.zeros((frames, cells), np.int64),
        np.zeros(frames, np.int64),
        np.zeros((frames, cells), np.int64),
        np.zeros((frames, cells), np.int64),
        np.zeros(frames, np.int64),
    )


@numba.njit(cache=True)
def encode(board, cells):
    # Kernel boards int8[B, cells] -> (black uint64[B], white uint64[B], stones int64[B]).
    batch = board.shape[0]
    black = np.zeros(batch, np.uint64)
    white = np.zeros(batch, np.uint64)
    stones = np.zeros(batch, np.int64)
    for b in range(batch):
        for i in range(cells):
            if board[b, i] == 1:
                black[b] |= U1 << np.uint64(i)
                stones[b] += 1
            elif board[b, i] == 2:
                white[b] |= U1 << np.uint64(i)
                stones[b] += 1
    return black, white, stones


@numba.njit(cache=True)
def reach(seed, allowed, size, masks):
    # The cells of `allowed` connected to `seed & allowed` (neighbours: the kernel's six).
    region = seed & allowed
    while True:
        grown = _grow(region, size, masks) & allowed
        if grown == region:
            return region
        region = grown


@numba.njit(cache=True)
def _grow(region, size, masks):
    # The region and its neighbours.
    n, n1 = np.uint64(size), np.uint64(size - 1)
    grown = region | ((region << U1) & masks[1]) | ((region >> U1) & masks[2]) | (region << n) | (region >> n)
    return (grown | ((region >> n1) & masks[1]) | ((region << n1) & masks[2])) & masks[0]


@numba.njit(cache=True)
def winning_cells(stones, empty, edge_a, edge_b, size, masks):
    # Empty cells that connect `stones` to both edges at once: those touching (the stones joined
    # to) edge a and touching edge b.
    touch_a = _grow(reach(edge_a, stones, size, masks), size, masks) | edge_a
    touch_b = _grow(reach(edge_b, stones, size, masks), size, masks) | edge_b
    return touch_a & touch_b & empty


@numba.njit(cache=True)
def connected(stones, player, size, masks):
    # True if `stones` of `player` connect its two edges.
    start, goal = (masks[3], masks[4]) if player == 0 else (masks[5], masks[6])
    return (reach(start, stones, size, masks) & goal) != U0


@numba.njit(cache=True)
def _reverse(x, cells):
    # The bitboard turned by 180 degrees (cell i -> cells - 1 - i): the 64 bits reversed.
    x = ((x >> np.uint64(1)) & np.uint64(0x5555555555555555)) | ((x & np.uint64(0x5555555555555555)) << np.uint64(1))
    x = ((x >> np.uint64(2)) & np.uint64(0x3333333333333333)) | ((x & np.uint64(0x3333333333333333)) << np.uint64(2))
    x = ((x >> np.uint64(4)) & np.uint64(0x0F0F0F0F0F0F0F0F)) | ((x & np.uint64(0x0F0F0F0F0F0F0F0F)) << np.uint64(4))
    x = ((x >> np.uint64(8)) & np.uint64(0x00FF00FF00FF00FF)) | ((x & np.uint64(0x00FF00FF00FF00FF)) << np.uint64(8))
    x = ((x >> np.uint64(16)) & np.uint64(0x0000FFFF0000FFFF)) | ((x & np.uint64(0x0000FFFF0000FFFF)) << np.uint64(16))
    x = (x >> np.uint64(32)) | (x << np.uint64(32))
    return x >> np.uint64(64 - cells)


@numba.njit(cache=True)
def canonical(black, white, cells):
    # The position or its 180-degree turn (which keeps both players' edges), whichever is smaller.
    turned_black, turned_white = _reverse(black, cells), _reverse(white, cells)
    if turned_black < black or (turned_black == black and turned_white < white):
        return turned_black, turned_white
    return black, white


@numba.njit(cache=True)
def _slot(black, white, table_bits):
    return (black * HASH_BLACK + white * HASH_WHITE) >> np.uint64(64 - table_bits)


@numba.njit(cache=True)
def forcing_moves(own, empty, bit, own_a, own_b, size, masks):
    # The winning cells the mover would have after playing `bit`.
    return winning_cells(own | bit, empty & ~bit, own_a, own_b, size, masks)


@numba.njit(cache=True)
def _candidates(own, other, empty, live, own_a, own_b, other_a, other_b, size, masks):
    # (won, candidates, forcing) when neither side can win at once: won if one of the mover's
    # moves makes two winning cells; candidates: the moves worth trying, the live cells in every
    # carrier {c} + W of the opponent's double threats (c making winning cells W, |W| >= 2),
    # plus the moves that make a winning cell (`forcing`: the opponent must reply). A quiet move
    # outside a carrier loses: the opponent plays c and keeps two winning cells.
    forcing = U0
    carrier = live
    cells = size * size
    for cell in range(cells):
        bit = U1 << np.uint64(cell)
        if not live & bit:
            continue
        mine = forcing_moves(own, empty, bit, own_a, own_b, size, masks)
        if mine & (mine - U1):
            return True, U0, U0
        if mine:
            forcing |= bit
        theirs = winning_cells(other | bit, empty & ~bit, other_a, other_b, size, masks)
        if theirs & (theirs - U1):
            carrier &= theirs | bit
    return False, (carrier | forcing) & live, forcing


@numba.njit(cache=True)
def analyse(black, white, stones, ints, masks, order, moves):
    # (result, count): +1 / -1 if the mover wins / loses without a search; else 0 and the moves
    # to try in moves[:count]: the one block of a single threat, or the candidates (forcing
    # moves first, then cells on both players' possible chains, then centre first).
    size, cells = ints[0], ints[1]
    empty = masks[0] & ~(black | white)
    mover = stones & 1
    own, other = (black, white) if mover == 0 else (white, black)
    own_a, own_b = (masks[3], masks[4]) if mover == 0 else (masks[5], masks[6])
    other_a, other_b = (masks[5], masks[6]) if mover == 0 else (masks[3], masks[4])
    own_from_a = reach(own_a, own | empty, size, masks)
    if own_from_a & own_b == U0:
        return -1, 0
    other_from_a = reach(other_a, other | empty, size, masks)
    if other_from_a & other_b == U0:
        return 1, 0
    if winning_cells(own, empty, own_a, own_b, size, masks):
        return 1, 0
    threats = winning_cells(other, empty, other_a, other_b, size, masks)
    if threats & (threats - U1):
        return -1, 0
    if threats:
        moves[0] = _cell_of(threats)
        return 0, 1
    own_live = own_from_a & reach(own_b, own | empty, size, masks) & empty
    other_live = other_from_a & reach(other_b, other | empty, size, masks) & empty
    both = own_live & other_live
    won, candidates, forcing = _candidates(
        own, other, empty, own_live | other_live, own_a, own_b, other_a, other_b, size, masks
    )
    if won:
        return 1, 0
    count = 0
    for group in (candidates & forcing, candidates & ~forcing & both, candidates & ~forcing & ~both):
        for i in range(cells):
            if group & (U1 << np.uint64(order[i])):
                moves[count] = order[i]
                count += 1
    return (-1, 0) if count == 0 else (0, count)


@numba.njit(cache=True)
def _cell_of(bit):
    # The index of a single set bit.
    cell = 0
    while bit > U1:
        bit >>= U1
        cell += 1
    return cell


@numba.njit(cache=True)
def _child(black, white, stones, cell):
    bit = U1 << np.uint64(cell)
    return (black | bit, white) if stones & 1 == 0 else (black, white | bit)


@numba.njit(cache=True)
def _lookup(black, white, ints, table):
    # (slot, proof, disproof) of a position; (slot, 1, 1) if the table does not hold it.
    keys_black, keys_white, proofs, disproofs = table
    key_black, key_white = canonical(black, white, ints[1])
    slot = _slot(key_black, key_white, ints[2])
    if keys_black[slot] == key_black and keys_white[slot] == key_white and proofs[slot] + disproofs[slot] > 0:
        return slot, np.int64(proofs[slot]), np.int64(disproofs[slot])
    return slot, np.int64(1), np.int64(1)


@numba.njit(cache=True)
def _store(black, white, proof, disproof, ints, table):
    keys_black, keys_white, proofs, disproofs = table
    key_black, key_white = canonical(black, white, ints[1])
    slot = _slot(key_black, key_white, ints[2])
    keys_black[slot], keys_white[slot] = key_black, key_white
    proofs[slot], disproofs[slot] = min(proof, INFINITE), min(disproof, INFINITE)


@numba.njit(cache=True)
def _load_children(stones, ints, table, stack):
    # Copy a new frame's children's numbers from the table ((1, 1) for those it does not hold).
    positions, _, moves, counts, child_proofs, child_disproofs, _ = stack
    black, white = positions[stones, 0], positions[stones, 1]
    for i in range(counts[stones]):
        child_black, child_white = _child(black, white, stones, moves[stones, i])
        _, child_proofs[stones, i], child_disproofs[stones, i] = _lookup(child_black, child_white, ints, table)


@numba.njit(cache=True)
def _children(stones, stack):
    # (proof, disproof, best move index, its proof, second smallest child disproof) of a frame
    # from its own copy of its children's numbers, in negamax form (a child's disproof proves the
    # mover's win), with weak disproof numbers (the largest child proof plus the other open
    # children, not their sum, which transpositions inflate).
    _, _, _, counts, child_proofs, child_disproofs, _ = stack
    proof, largest, open_children, best, best_proof, second = INFINITE, np.int64(0), 0, 0, np.int64(1), INFINITE
    for i in range(counts[stones]):
        child_proof, child_disproof = child_proofs[stones, i], child_disproofs[stones, i]
        largest = max(largest, child_proof)
        open_children += child_proof > 0
        if child_disproof < proof:
            second = proof
            proof, best, best_proof = child_disproof, i, child_proof
        elif child_disproof < second:
            second = child_disproof
    return proof, min(largest + max(open_children - 1, 0), INFINITE), best, best_proof, second


@numba.njit(cache=True)
def prove(black, white, stones, ints, masks, order, table, stack):
    # +1 if the player to move wins, else -1: depth-first proof-number search (Nagai's df-pn with
    # Pawlewicz and Lew's 1 + epsilon thresholds and weak disproof numbers) on an explicit stack.
    # table: (black keys, white keys uint64[T], proof, disproof uint32[T]); stack: `new_stack`.
    # Each frame keeps its children's numbers itself and updates the searched child's from what
    # that child returns, so a child's progress survives its table entry being overwritten by a
    # colliding position (which otherwise makes a parent re-enter the same child for ever once
    # the table fills up); the table is a cache between frames and calls.
    positions, thresholds, moves, counts, child_proofs, child_disproofs, chosen = stack
    base = stones
    positions[base, 0], positions[base, 1] = black, white
    thresholds[base, 0], thresholds[base, 1] = INFINITE + 1, INFINITE + 1  # the root stops when solved
    entering = True
    while True:
        black, white = positions[stones, 0], positions[stones, 1]
        if entering:
            entering = False
            _, proof, disproof = _lookup(black, white, ints, table)
            if proof == 0 or disproof == 0:
                result = 1 if proof == 0 else -1
            else:
                result, counts[stones] = analyse(black, white, stones, ints, masks, order, moves[stones])
            if result != 0:
                proof, disproof = (0, INFINITE) if result == 1 else (INFINITE, 0)
                _store(black, white, proof, disproof, ints, table)
                if stones == base:
                    return result
                stones -= 1
                child_proofs[stones, chosen[stones]], child_disproofs[stones, chosen[stones]] = proof, disproof
                continue
            _load_children(stones, ints, table, stack)
        proof, disproof, best, best_proof, second = _children(stones, stack)
        solved = proof == 0 or disproof == 0
        if solved or proof >= thresholds[stones, 0] or disproof >= thresholds[stones, 1]:
            _store(black, white, proof, disproof, ints, table)
            if stones == base and solved:
                return 1 if proof == 0 else -1
            if stones > base:
                stones -= 1
                child_proofs[stones, chosen[stones]] = min(proof, INFINITE)
                child_disproofs[stones, chosen[stones]] = min(disproof, INFINITE)
                continue
        # Thresholds above the child's current numbers, so that it always makes progress.
        chosen[stones] = best
        child_black, child_white = _child(black, white, stones, moves[stones, best])
        positions[stones + 1, 0], positions[stones + 1, 1] = child_black, child_white
        child_proof = min(thresholds[stones, 1] - disproof + best_proof, INFINITE)
        child_disproof = min(thresholds[stones, 0], max(second + 1, second + second // 4))
        thresholds[stones + 1, 0] = max(child_proof, best_proof + 1)
        thresholds[stones + 1, 1] = max(child_disproof, proof + 1)
        stones += 1
        entering = True


@numba.njit(cache=True)
def solve_positions(black, white, stones, legal, ints, masks, order, table, stack):
    # Values int8[B, cells] of every legal move (+1 win, -1 loss for the mover).
    batch, cells = black.shape[0], ints[1]
    values = np.zeros((batch, cells), np.int8)
    for b in range(batch):
        for cell in range(cells):
            if legal[b, cell]:
                child_black, child_white = _child(black[b], white[b], stones[b], cell)
                values[b, cell] = -prove(child_black, child_white, stones[b] + 1, ints, masks, order, table, stack)
    return values


@numba.njit(cache=True)
def sample_best_moves(black, white, stones, legal, keys, ints, masks, order, table, stack):
    # One uniformly random best move int64[B] per position: in a lost position every legal move
    # (all lose); in a won one, the first winning move in the order of the random keys float64[B,
    # cells] (the first winner of a uniformly random order is uniform among the winners), so only
    # the moves tried before it are proved, not every child as in `solve_positions`.
    batch = black.shape[0]
    moves = np.full(batch, -1, np.int64)
    for b in range(batch):
        tried = np.argsort(keys[b])
        if prove(black[b], white[b], stones[b], ints, masks, order, table, stack) == -1:
            for cell in tried:
                if legal[b, cell]:
                    moves[b] = cell
                    break
            continue
        for cell in tried:
            if legal[b, cell]:
                child_black, child_white = _child(black[b], white[b], stones[b], cell)
                if prove(child_black, child_white, stones[b] + 1, ints, masks, order, table, stack) == -1:
                    moves[b] = cell
                    break
    return moves
