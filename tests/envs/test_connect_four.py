"""Connect Four rules, checked on hand-played games (pgx style: moves -> board + outcome)."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError, make

from .positions import board, play


def assert_won(state, winner, num_actions=7):
    assert state.terminated.tolist() == [True]
    assert state.truncated.tolist() == [False]
    assert state.rewards.tolist() == [[1.0, -1.0] if winner == 0 else [-1.0, 1.0]]
    assert state.legal_action_mask.tolist() == [[False] * num_actions]
    assert state.current_player.tolist() == [1 - winner]


def assert_live_before_last_move(game, moves, mover):
    state = play(game, moves[:-1])
    assert state.terminated.tolist() == [False]
    assert state.rewards.tolist() == [[0.0, 0.0]]
    assert state.current_player.tolist() == [mover]


def test_horizontal_win_x():
    game = make("connect_four")
    moves = [0, 0, 1, 1, 2, 2, 3]
    assert_live_before_last_move(game, moves, 0)
    state = play(game, moves)
    assert game.render(state, 0) == board(
        """
          a b c d e f g
        1 . . . . . . .
        2 . . . . . . .
        3 . . . . . . .
        4 . . . . . . .
        5 o o o . . . .
        6 x x x x . . .
        """
    )
    assert_won(state, 0)
    assert state.step_count.tolist() == [7]


def test_vertical_win_o():
    game = make("connect_four")
    moves = [0, 6, 1, 6, 0, 6, 2, 6]
    assert_live_before_last_move(game, moves, 1)
    state = play(game, moves)
    assert game.render(state, 0) == board(
        """
          a b c d e f g
        1 . . . . . . .
        2 . . . . . . .
        3 . . . . . . o
        4 . . . . . . o
        5 x . . . . . o
        6 x x x . . . o
        """
    )
    assert_won(state, 1)


def test_rising_diagonal_win_x():
    game = make("connect_four")
    moves = [0, 1, 1, 2, 2, 3, 2, 3, 3, 5, 3]
    assert_live_before_last_move(game, moves, 0)
    state = play(game, moves)
    assert game.render(state, 0) == board(
        """
          a b c d e f g
        1 . . . . . . .
        2 . . . . . . .
        3 . . . x . . .
        4 . . x x . . .
        5 . x x o . . .
        6 x o o o . o .
        """
    )
    assert_won(state, 0)


def test_falling_diagonal_win_o():
    game = make("connect_four")
    moves = [0, 6, 5, 5, 4, 4, 3, 4, 3, 3, 1, 3]
    assert_live_before_last_move(game, moves, 1)
    state = play(game, moves)
    assert game.render(state, 0) == board(
        """
          a b c d e f g
        1 . . . . . . .
        2 . . . . . . .
        3 . . . o . . .
        4 . . . o o . .
        5 . . . x o o .
        6 x x . x x x o
        """
    )
    assert_won(state, 1)


# Columns filled one after another, except that x's first stone in e comes before d is filled:
# d alternates from an o at the bottom and every other column from an x, so each row reads
# "x x x o x x x" or "o o o x o o o" and no four line up in any direction.
DRAW = [0] * 6 + [1] * 6 + [2] * 6 + [4, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4] + [5] * 6 + [6] * 6


def test_full_board_draw():
    game = make("connect_four")
    state = game.init(1)
    for ply, move in enumerate(DRAW):
        state = game.step(state, np.array([move]))
        assert state.rewards.tolist() == [[0.0, 0.0]]
        assert state.terminated.tolist() == [ply == 41]
    assert game.render(state, 0) == board(
        """
          a b c d e f g
        1 o o o x o o o
        2 x x x o x x x
        3 o o o x o o o
        4 x x x o x x x
        5 o o o x o o o
        6 x x x o x x x
        """
    )
    assert state.legal_action_mask.tolist() == [[False] * 7]
    assert state.current_player.tolist() == [0]
    assert state.step_count.tolist() == [42]


def test_full_column_becomes_illegal():
    game = make("connect_four")
    state = play(game, [3] * 5)
    assert state.legal_action_mask.tolist() == [[True] * 7]
    state = game.step(state, np.array([3]))
    assert game.render(state, 0) == board(
        """
          a b c d e f g
        1 . . . o . . .
        2 . . . x . . .
        3 . . . o . . .
        4 . . . x . . .
        5 . . . o . . .
        6 . . . x . . .
        """
    )
    assert state.legal_action_mask.tolist() == [[True, True, True, False, True, True, True]]
    assert state.terminated.tolist() == [False]
    assert state.current_player.tolist() == [0]
    with pytest.raises(IllegalActionError, match=r"action 3 in row 0 \(d\) is illegal"):
        game.step(state, np.array([3]))


def test_out_of_range_column_raises():
    game = make("connect_four")
    with pytest.raises(IllegalActionError, match=r"action 7 in row 0 is out of range 0\.\.6"):
        game.step(game.init(1), np.array([7]))


def test_custom_size_three_in_a_row():
    game = make("connect_four", rows=5, columns=8, x_in_row=3)
    assert game.num_actions == 8
    moves = [7, 6, 6, 5, 0, 5, 5]  # x: h5, g4, f3 (a rising diagonal of three)
    assert_live_before_last_move(game, moves, 0)
    state = play(game, moves)
    assert game.render(state, 0) == board(
        """
          a b c d e f g h
        1 . . . . . . . .
        2 . . . . . . . .
        3 . . . . . x . .
        4 . . . . . o x .
        5 x . . . . o o x
        """
    )
    assert_won(state, 0, num_actions=8)


def test_three_in_a_row_does_not_win_by_default():
    game = make("connect_four")
    state = play(game, [6, 5, 5, 4, 0, 4, 4])  # the same diagonal of three, on the 6x7 board
    assert state.terminated.tolist() == [False]
    assert state.rewards.tolist() == [[0.0, 0.0]]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rows": 3}, "connect_four: rows=3 is out of range; allowed: 4..12"),
        ({"columns": 13}, "connect_four: columns=13 is out of range; allowed: 4..12"),
        ({"x_in_row": 7}, "connect_four: x_in_row=7 is out of range; allowed: 3..6"),
    ],
)
def test_bad_params_raise(params, message):
    with pytest.raises(ValueError) as info:
        make("connect_four", **params)
    assert str(info.value) == message
