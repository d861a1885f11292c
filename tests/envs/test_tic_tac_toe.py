"""Tic-tac-toe rules, checked on hand-played games (pgx style: moves -> board + outcome)."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError, make

from .positions import board, play

WINS = [
    pytest.param(
        [0, 3, 1, 4, 2],
        board(
            """
              a b c
            1 x x x
            2 o o .
            3 . . .
            """
        ),
        0,
        id="x-top-row",
    ),
    pytest.param(
        [0, 3, 1, 4, 6, 5],
        board(
            """
              a b c
            1 x x .
            2 o o o
            3 x . .
            """
        ),
        1,
        id="o-middle-row",
    ),
    pytest.param(
        [0, 1, 3, 2, 6],
        board(
            """
              a b c
            1 x o o
            2 x . .
            3 x . .
            """
        ),
        0,
        id="x-left-column",
    ),
    pytest.param(
        [0, 1, 3, 4, 8, 7],
        board(
            """
              a b c
            1 x o .
            2 x o .
            3 . o x
            """
        ),
        1,
        id="o-middle-column",
    ),
    pytest.param(
        [0, 1, 4, 2, 8],
        board(
            """
              a b c
            1 x o o
            2 . x .
            3 . . x
            """
        ),
        0,
        id="x-main-diagonal",
    ),
    pytest.param(
        [1, 0, 2, 4, 3, 8],
        board(
            """
              a b c
            1 o x x
            2 x o .
            3 . . o
            """
        ),
        1,
        id="o-main-diagonal",
    ),
    pytest.param(
        [2, 0, 4, 1, 6],
        board(
            """
              a b c
            1 o o x
            2 . x .
            3 x . .
            """
        ),
        0,
        id="x-anti-diagonal",
    ),
    pytest.param(
        [0, 2, 1, 4, 5, 6],
        board(
            """
              a b c
            1 x x o
            2 . o x
            3 o . .
            """
        ),
        1,
        id="o-anti-diagonal",
    ),
]


@pytest.mark.parametrize(("moves", "expected", "winner"), WINS)
def test_win(moves, expected, winner):
    game = make("tic_tac_toe")
    state = play(game, moves)
    assert game.render(state, 0) == expected
    assert state.terminated.tolist() == [True]
    assert state.truncated.tolist() == [False]
    expected_rewards = [1.0, -1.0] if winner == 0 else [-1.0, 1.0]
    assert state.rewards.tolist() == [expected_rewards]
    assert state.legal_action_mask.tolist() == [[False] * 9]
    assert state.current_player.tolist() == [1 - winner]  # the loser would move next
    assert state.step_count.tolist() == [len(moves)]


@pytest.mark.parametrize(("moves", "expected", "winner"), WINS)
def test_no_reward_before_the_end(moves, expected, winner):
    game = make("tic_tac_toe")
    state = play(game, moves[:-1])
    assert state.terminated.tolist() == [False]
    assert state.rewards.tolist() == [[0.0, 0.0]]
    assert state.current_player.tolist() == [winner]
    empty = [cell not in moves[:-1] for cell in range(9)]
    assert state.legal_action_mask.tolist() == [empty]


def test_full_board_draw():
    game = make("tic_tac_toe")
    moves = [0, 1, 2, 4, 3, 5, 7, 6, 8]
    state = game.init(1)
    for ply, move in enumerate(moves):
        state = game.step(state, np.array([move]))
        assert state.rewards.tolist() == [[0.0, 0.0]]
        assert state.terminated.tolist() == [ply == len(moves) - 1]
    assert game.render(state, 0) == board(
        """
          a b c
        1 x o x
        2 x o o
        3 o x x
        """
    )
    assert state.legal_action_mask.tolist() == [[False] * 9]
    assert state.current_player.tolist() == [1]
    assert state.step_count.tolist() == [9]


def test_legal_mask_shrinks_as_cells_fill():
    game = make("tic_tac_toe")
    state = game.init(1)
    assert state.legal_action_mask.tolist() == [[True] * 9]
    expected = [True] * 9
    for ply, move in enumerate([4, 0, 8, 2]):
        state = game.step(state, np.array([move]))
        expected[move] = False
        assert state.legal_action_mask.tolist() == [expected]
        assert state.current_player.tolist() == [(ply + 1) % 2]
    assert game.render(state, 0) == board(
        """
          a b c
        1 o . o
        2 . x .
        3 . . x
        """
    )
    assert game.legal_actions(state, 0) == [1, 3, 5, 6, 7]


def test_occupied_cell_is_illegal():
    game = make("tic_tac_toe")
    state = play(game, [4])
    with pytest.raises(IllegalActionError, match=r"action 4 in row 0 \(b2\) is illegal"):
        game.step(state, np.array([4]))


def test_finished_game_ignores_further_actions():
    game = make("tic_tac_toe")
    state = play(game, [0, 3, 1, 4, 2])
    after = game.step(state, np.array([8]))
    assert game.render(after, 0) == game.render(state, 0)
    assert after.rewards.tolist() == [[0.0, 0.0]]
    assert after.terminated.tolist() == [True]
    assert after.step_count.tolist() == [5]


def test_batch_rows_are_independent():
    game = make("tic_tac_toe")
    state = game.init(2)
    for a, b in [(0, 4), (3, 0), (1, 8), (4, 2), (2, 1)]:
        state = game.step(state, np.array([a, b]))
    assert game.render(state, 0) == "  a b c\n1 x x x\n2 o o .\n3 . . ."
    assert game.render(state, 1) == "  a b c\n1 o x o\n2 . x .\n3 . . x"
    assert state.terminated.tolist() == [True, False]
    assert state.rewards.tolist() == [[1.0, -1.0], [0.0, 0.0]]
    assert state.legal_action_mask[1].tolist() == [False, False, False, True, False, True, True, True, False]
