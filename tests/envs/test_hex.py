"""Hex rules, checked on hand-played games (pgx style: moves -> board + outcome).

Player 0 ("x") joins the top and bottom rows, player 1 ("o") the left and right columns;
(r, c) touches (r-1, c), (r-1, c+1), (r, c-1), (r, c+1), (r+1, c-1), (r+1, c).
"""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError, make

from .positions import board, play


def assert_won(game, moves, winner):
    before = play(game, moves[:-1])
    assert before.terminated.tolist() == [False]
    assert before.rewards.tolist() == [[0.0, 0.0]]
    state = game.step(before, np.array([moves[-1]]))
    assert state.terminated.tolist() == [True]
    assert state.rewards.tolist() == [[1.0, -1.0] if winner == 0 else [-1.0, 1.0]]
    assert state.legal_action_mask.tolist() == [[False] * game.num_actions]
    assert state.current_player.tolist() == [1 - winner]
    return state


def assert_live(state, game, moves):
    assert state.terminated.tolist() == [False]
    assert state.rewards.tolist() == [[0.0, 0.0]]
    assert state.current_player.tolist() == [len(moves) % 2]
    assert state.legal_action_mask.tolist() == [[a not in moves for a in range(game.num_actions)]]


def test_x_wins_top_to_bottom_straight_column():
    game = make("hex", board_size=5)
    state = assert_won(game, [2, 0, 7, 5, 12, 10, 17, 15, 22], winner=0)
    assert game.render(state, 0) == board(
        """
          a b c d e
        1 o . x . .
         2 o . x . .
          3 o . x . .
           4 o . x . .
            5 . . x . .
        """
    )


def test_x_wins_along_a_zig_zag_using_the_down_left_neighbour():
    game = make("hex", board_size=5)
    # x: c1, b2 (down-left), b3 (down), a4 (down-left), a5 (down).
    state = assert_won(game, [2, 22, 6, 23, 11, 24, 15, 19, 20], winner=0)
    assert game.render(state, 0) == board(
        """
          a b c d e
        1 . . x . .
         2 . x . . .
          3 . x . . .
           4 x . . . o
            5 x . o o o
        """
    )


def test_o_wins_left_to_right_along_a_row():
    game = make("hex", board_size=5)
    state = assert_won(game, [0, 10, 1, 11, 2, 12, 3, 13, 4, 14], winner=1)
    assert game.render(state, 0) == board(
        """
          a b c d e
        1 x x x x x
         2 . . . . .
          3 o o o o o
           4 . . . . .
            5 . . . . .
        """
    )


def test_o_wins_along_the_up_right_diagonal():
    game = make("hex", board_size=5)
    state = assert_won(game, [0, 20, 5, 16, 10, 12, 15, 8, 1, 4], winner=1)
    assert game.render(state, 0) == board(
        """
          a b c d e
        1 x x . . o
         2 x . . o .
          3 x . o . .
           4 x o . . .
            5 o . . . .
        """
    )


def test_chain_touching_one_edge_does_not_win():
    game = make("hex", board_size=5)
    moves = [0, 4, 5, 9, 10, 14, 15, 19]  # x: a1..a4 (top only); o: e1..e4 (right only)
    state = play(game, moves)
    assert game.render(state, 0) == board(
        """
          a b c d e
        1 x . . . o
         2 x . . . o
          3 x . . . o
           4 x . . . o
            5 . . . . .
        """
    )
    assert_live(state, game, moves)
    won = game.step(state, np.array([20]))  # a5 completes x's column
    assert won.terminated.tolist() == [True]
    assert won.rewards.tolist() == [[1.0, -1.0]]


def test_joining_the_other_players_edges_does_not_win():
    game = make("hex", board_size=5)
    moves = [10, 0, 11, 1, 12, 2, 13, 3, 14]  # x spans row 3 left to right: o's edges, not x's
    state = play(game, moves)
    assert game.render(state, 0) == board(
        """
          a b c d e
        1 o o o o .
         2 . . . . .
          3 x x x x x
           4 . . . . .
            5 . . . . .
        """
    )
    assert_live(state, game, moves)


def test_down_right_diagonal_cells_are_not_connected():
    game = make("hex", board_size=5)
    moves = [0, 4, 6, 9, 12, 14, 18, 19, 24]  # x on a1, b2, c3, d4, e5: top and bottom, unjoined
    state = play(game, moves)
    assert game.render(state, 0) == board(
        """
          a b c d e
        1 x . . . o
         2 . x . . o
          3 . . x . o
           4 . . . x o
            5 . . . . x
        """
    )
    assert_live(state, game, moves)


def test_two_by_two_only_the_down_left_diagonal_connects():
    game = make("hex", board_size=2)
    state = play(game, [0, 1, 3])  # x on a1 and b2: (r+1, c+1) is not a neighbour
    assert_live(state, game, [0, 1, 3])
    state = assert_won(game, [0, 1, 3, 2], winner=1)  # o on b1 and a2: (r+1, c-1) is
    assert game.render(state, 0) == board(
        """
          a b
        1 x o
         2 o x
        """
    )


def test_swap_moves_the_first_stone_to_the_mirrored_cell_for_o():
    game = make("hex", board_size=5, swap=True)
    assert game.num_actions == 26
    state = play(game, [1])  # x on b1 = (0, 1)
    assert state.legal_action_mask.tolist() == [[a != 1 for a in range(26)]]
    state = game.step(state, np.array([25]))
    assert game.render(state, 0) == board(
        """
          a b c d e
        1 . . . . .
         2 o . . . .
          3 . . . . .
           4 . . . . .
            5 . . . . .
        """
    )
    assert state.current_player.tolist() == [0]
    assert state.step_count.tolist() == [2]
    assert state.terminated.tolist() == [False]
    assert state.rewards.tolist() == [[0.0, 0.0]]
    # b1 is free again, a2 is taken, and the swap is gone.
    assert state.legal_action_mask.tolist() == [[a not in (5, 25) for a in range(26)]]
    state = game.step(state, np.array([1]))
    assert state.legal_action_mask.tolist() == [[a not in (1, 5, 25) for a in range(26)]]
    assert state.current_player.tolist() == [1]


def test_swap_of_a_stone_on_the_diagonal_keeps_the_cell():
    game = make("hex", board_size=5, swap=True)
    state = play(game, [12, 25])
    assert game.render(state, 0).splitlines()[3] == "  3 . . o . ."
    assert state.legal_action_mask.tolist() == [[a not in (12, 25) for a in range(26)]]


def test_swapped_stone_counts_for_o():
    game = make("hex", board_size=2, swap=True)
    state = assert_won(game, [1, 4, 0, 1], winner=1)  # x b1; swap -> o a2; x a1; o b1
    assert game.render(state, 0) == board(
        """
          a b
        1 x o
         2 o .
        """
    )


def test_swap_is_illegal_on_moves_one_and_three():
    game = make("hex", board_size=5, swap=True)
    for moves in ([], [1, 7]):
        state = play(game, moves)
        assert state.legal_action_mask.tolist() == [[a not in [*moves, 25] for a in range(26)]]
        with pytest.raises(IllegalActionError, match=r"action 25 in row 0 \(swap\) is illegal"):
            game.step(state, np.array([25]))


def test_no_swap_action_without_swap():
    game = make("hex", board_size=5)
    assert game.num_actions == 25
    assert game.init(1).legal_action_mask.shape == (1, 25)
    with pytest.raises(IllegalActionError, match=r"action 25 in row 0 is out of range 0\.\.24"):
        game.step(play(game, [1]), np.array([25]))


def test_observation_colour_plane_tells_the_goal():
    game = make("hex", board_size=3)
    # x on b1, b2; o on a1, a3. x to move wins with b3; o has no winning move.
    state = play(game, [1, 0, 4, 6])
    assert game.step(state, np.array([7])).terminated.tolist() == [True]
    x_stones = [[0, 1, 0], [0, 1, 0], [0, 0, 0]]
    o_stones = [[1, 0, 0], [0, 0, 0], [1, 0, 0]]
    zeros, ones = [[0] * 3] * 3, [[1] * 3] * 3
    assert game.observe(state).tolist() == [[x_stones, o_stones, zeros]]
    assert game.observe(state, 0).tolist() == [[x_stones, o_stones, zeros]]
    assert game.observe(state, 1).tolist() == [[o_stones, x_stones, ones]]
    state = game.step(state, np.array([8]))  # c3 does not touch b2: no win, o to move
    assert state.terminated.tolist() == [False]
    x_stones[2][2] = 1
    assert game.observe(state).tolist() == [[o_stones, x_stones, ones]]


@pytest.mark.parametrize("size", [1, 20, 0, 25])
def test_bad_board_size_raises(size):
    with pytest.raises(ValueError) as info:
        make("hex", board_size=size)
    assert str(info.value) == f"hex: board_size={size} is out of range; allowed: 2..19"
