"""Go on an N×N board (N = `board_size`, 5..19; default 9) with area scoring, as OpenSpiel's
`go` except for positional superko (below).

Rules: player 0 is Black ("x") and moves first, player 1 White ("o"); a stone or chain with
no liberty is captured; suicide is illegal; **positional superko**: a move may not recreate
any earlier board position of the game (this covers simple ko). OpenSpiel instead allows such
a move and ends the game as a draw; here it is simply not in the legal mask. Passing is
always legal; two consecutive passes end the game (terminated). The game is also cut after
`max_game_length` plies (default 2·N², as OpenSpiel): then `truncated` is set and, as in
OpenSpiel, the position is scored. Scoring is Tromp-Taylor area: stones plus empty regions
that reach only one colour; White adds `komi` (default 7.5). Equal scores draw.
Actions: N*N points, row * N + col with row 0 the bottom row ("a1" = 0, as OpenSpiel), then
pass = N*N.
Observation: float32[3, N, N] (row 0 = the bottom row): own stones, opponent stones, and a
plane of ones when the point of view is White (komi makes the colours differ).
Rewards: +1 / -1 to the winner / loser at the end, 0 for a draw.
Symmetries: the 8 of the square (pass fixed).
Chains and pseudo-liberties are tracked incrementally (see `_go_chains`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from boardzoo.envs._board import cell_name, draw_grid, stone_observation
from boardzoo.envs._go_chains import area_score, legal_moves, neighbour_table, place, remember
from boardzoo.envs.core import (
    KERNEL_FIELDS,
    SQUARE_SYMMETRIES,
    Game,
    State,
    bind_kernel,
    cell_symmetries,
    check_int_param,
    fresh_common_fields,
)

ID = "go"
_ZOBRIST_SEED = 20261122


@dataclass(frozen=True)
class GoState(State):
    """Adds, per game (C = N*N): board int8[C], empty_around int8[C], chains int16[4, C] and
    moments int32[2, C] (see `_go_chains`); passes int8 (consecutive passes); position_hash
    uint64; history uint64[L + 1] (hashes after each ply, [0] = empty board); bloom uint64[W]
    (Bloom filter over history); peak_stones int16 (the most stones of any position so far,
    which spares the superko check while no move can recreate a position)."""

    board: np.ndarray
    empty_around: np.ndarray
    chains: np.ndarray
    moments: np.ndarray
    passes: np.ndarray
    position_hash: np.ndarray
    history: np.ndarray
    bloom: np.ndarray
    peak_stones: np.ndarray


@numba.njit(cache=True)
def _finish(board, neighbours, komi, rewards, b):
    black, white = area_score(board, neighbours)
    margin = black - (white + komi)
    if margin != 0:
        winner = 0 if margin > 0 else 1
        rewards[b, winner] = 1.0
        rewards[b, 1 - winner] = -1.0


@numba.njit(cache=True)
def _apply(
    board,
    empty_around,
    chains,
    moments,
    passes,
    position_hash,
    history,
    bloom,
    peak_stones,
    truncated,
    current_player,
    mask,
    rewards,
    terminated,
    step_count,
    action,
    active,
    neighbours,
    keys,
    komi,
    max_length,
):
    cells = board.shape[1]
    capture_key = np.zeros(cells, dtype=np.uint64)  # scratch for legal_moves
    captures = np.zeros(cells, dtype=np.bool_)
    safe = np.zeros(cells, dtype=np.bool_)
    enemy_atari = np.zeros(cells, dtype=np.bool_)
    for b in range(board.shape[0]):
        if not active[b]:
            continue
        player = current_player[b]
        if action[b] == cells:
            passes[b] += 1
        else:
            passes[b] = 0
            position_hash[b] = place(
                board[b],
                empty_around[b],
                chains[b],
                moments[b],
                neighbours,
                keys,
                action[b],
                player + 1,
                position_hash[b],
            )
            remember(bloom[b], position_hash[b])
        step_count[b] += 1
        history[b, step_count[b]] = position_hash[b]
        current_player[b] = 1 - player
        if passes[b] >= 2 or step_count[b] >= max_length:
            terminated[b] = passes[b] >= 2
            truncated[b] = not terminated[b]
            mask[b, :] = False
            _finish(board[b], neighbours, komi, rewards, b)
        else:
            stones = legal_moves(
                mask[b],
                board[b],
                empty_around[b],
                chains[b],
                moments[b],
                neighbours,
                keys,
                2 - player,
                position_hash[b],
                history[b],
                step_count[b] + 1,
                bloom[b],
                peak_stones[b],
                capture_key,
                captures,
                safe,
                enemy_atari,
            )
            peak_stones[b] = max(peak_stones[b], stones)


def make_game(*, board_size: int = 9, komi: float = 7.5, max_game_length: int | None = None) -> Game:
    """Go on a `board_size`² board (5..19) with `komi` for White and a ply cap (default 2·N²)."""
    size = check_int_param(ID, "board_size", board_size, 5, 19)
    cells = size * size
    if isinstance(komi, np.integer | np.floating):
        komi = komi.item()  # a numpy number counts as the Python number it holds
    if isinstance(komi, bool) or not isinstance(komi, int | float) or not math.isfinite(komi) or abs(komi) > cells:
        raise ValueError(f"{ID}: komi must be a finite number in -{cells}..{cells}, got {komi!r}")
    cap = (
        2 * cells if max_game_length is None else check_int_param(ID, "max_game_length", max_game_length, 1, 4 * cells)
    )
    neighbours = neighbour_table(size)
    degree = (neighbours != -1).sum(axis=1).astype(np.int8)
    keys = np.random.default_rng(_ZOBRIST_SEED).integers(1, 2**63, size=(cells, 2), dtype=np.int64).astype(np.uint64)
    # Two bits per position in >= 12 bits per position: a lookup after the last ply of a capped
    # game is a false positive about 2% of the time. (More bits buy fewer history scans but cost
    # cache: at B = 1,024 the batch's rows no longer fit the L2 cache.)
    bloom_words = max(8, 1 << max(0, math.ceil(math.log2(cap * 12 / 64))))

    def init(batch_size: int) -> GoState:
        common = fresh_common_fields(batch_size, cells + 1)
        bloom = np.zeros((batch_size, bloom_words), dtype=np.uint64)
        bloom[:] = _empty_bloom(bloom_words)
        return GoState(
            board=np.zeros((batch_size, cells), dtype=np.int8),
            empty_around=np.repeat(degree[None], batch_size, axis=0),
            chains=np.zeros((batch_size, 4, cells), dtype=np.int16),
            moments=np.zeros((batch_size, 2, cells), dtype=np.int32),
            passes=np.zeros(batch_size, dtype=np.int8),
            position_hash=np.zeros(batch_size, dtype=np.uint64),
            history=np.zeros((batch_size, cap + 1), dtype=np.uint64),
            bloom=bloom,
            peak_stones=np.zeros(batch_size, dtype=np.int16),
            **common,
        )

    own_fields = (
        "board",
        "empty_around",
        "chains",
        "moments",
        "passes",
        "position_hash",
        "history",
        "bloom",
        "peak_stones",
    )
    apply = bind_kernel(_apply, (*own_fields, "truncated", *KERNEL_FIELDS), neighbours, keys, float(komi), cap)
    observe = stone_observation((size, size), seat_plane=True)
    return Game(
        id=ID,
        version=0,
        params={"board_size": size, "komi": komi, "max_game_length": cap},
        num_actions=cells + 1,
        observation_shape=observe.shape,
        board_shape=(size, size),
        cell_layout="square",
        max_game_length=cap,
        symmetries=cell_symmetries(size, size, SQUARE_SYMMETRIES, fixed_actions=1),
        init_fn=init,
        apply=apply,
        observe_fn=observe,
        render_fn=lambda state, row: draw_grid(state.board[row].reshape(size, size), bottom_up=True),
        cells_fn=lambda state: state.board.reshape(-1, size, size)[:, ::-1],
        action_name=lambda action: "pass" if action == cells else cell_name(action, size),
    )


def _empty_bloom(words: int) -> np.ndarray:
    # The filter of a new game already holds the empty board's hash (0).
    bloom = np.zeros(words, dtype=np.uint64)
    remember(bloom, np.uint64(0))
    return bloom
