"""The solvers' own search encodings against the kernel: along random games, a move completes a
line (Connect Four) or a chain (Hex) in the bitboards exactly when the kernel ends the game with
it, and the Connect Four solver's legal moves are the kernel's."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.agents.solvers import _connect_four_search as c4
from boardzoo.agents.solvers import _hex_search as hx
from boardzoo.envs import make


def _random_game_states(game, games, rng):
    # Every position (batch of 1) of `games` random games, with the move played from it.
    for _ in range(games):
        state = game.init(1)
        while not state.done[0]:
            action = int(rng.choice(np.flatnonzero(state.legal_action_mask[0])))
            yield state, action
            state = game.step(state, np.array([action]))


@pytest.mark.parametrize(
    "params",
    [{}, {"rows": 5, "columns": 8, "x_in_row": 3}, {"rows": 7, "columns": 8, "x_in_row": 5}, {"rows": 4, "columns": 4}],
)
def test_connect_four_bitboards_find_the_kernels_wins_and_moves(params):
    game = make("connect_four", **params)
    rows, columns, k = (game.params[n] for n in ("rows", "columns", "x_in_row"))
    ints, masks, _ = c4.geometry(rows, columns, k, 10)
    rng = np.random.default_rng(0)
    for state, _ in _random_game_states(game, 30, rng):
        own, mask, stones = c4.encode(state.board, state.current_player, rows, columns)
        assert stones[0] == state.step_count[0]
        wins = c4.winning_cells(own[0], mask[0], ints, masks[1])
        playable = (mask[0] + masks[0]) & masks[1]
        for column in range(columns):
            move = playable & masks[2 + column]
            assert bool(move) == state.legal_action_mask[0, column]
            if move:
                child = game.step(state, np.array([column]))
                won = child.terminated[0] and child.rewards[0, state.current_player[0]] == 1
                assert bool(wins & move) == won
                assert c4.has_line(own[0] | move, ints, masks[1]) == won


@pytest.mark.parametrize("size", [2, 5, 8])
def test_hex_bitboards_find_the_kernels_chains_and_winning_cells(size):
    game = make("hex", board_size=size)
    _, masks, _ = hx.geometry(size, 10)
    cells = size * size
    rng = np.random.default_rng(1)
    for state, action in _random_game_states(game, 20, rng):
        black, white, stones = hx.encode(state.board, cells)
        assert stones[0] == state.step_count[0]
        player = int(state.current_player[0])
        own = black[0] if player == 0 else white[0]
        empty = masks[0] & ~(black[0] | white[0])
        edges = (masks[3], masks[4]) if player == 0 else (masks[5], masks[6])
        wins = hx.winning_cells(own, empty, *edges, size, masks)
        child = game.step(state, np.array([action]))
        bit = np.uint64(1) << np.uint64(action)
        assert hx.connected(own | bit, player, size, masks) == child.terminated[0]
        assert bool(wins & bit) == child.terminated[0]
        for cell in np.flatnonzero(state.legal_action_mask[0])[:4]:  # a few other cells too
            other = game.step(state, np.array([cell]))
            assert bool(wins & (np.uint64(1) << np.uint64(cell))) == other.terminated[0]


def test_the_hex_bitboard_turn_is_the_kernels_180_degree_symmetry():
    size = 5
    game = make("hex", board_size=size)
    turn = next(s for s in game.symmetries if s.name == "rot180")
    rng = np.random.default_rng(2)
    for state, _ in _random_game_states(game, 3, rng):
        black, white, _ = hx.encode(state.board, size * size)
        turned_black, turned_white, _ = hx.encode(state.board[:, turn.cell_source], size * size)
        assert hx._reverse(black[0], size * size) == turned_black[0]
        assert hx._reverse(white[0], size * size) == turned_white[0]
        assert hx.canonical(black[0], white[0], size * size) == hx.canonical(
            turned_black[0], turned_white[0], size * size
        )
