"""Breakthrough rules, checked on hand-played games (pgx style: moves -> board + outcome), plus
the conformance check and the mirror symmetry (the OpenSpiel oracle: `test_breakthrough_openspiel.py`).

Player 0 ("x") starts on the top two rows and moves down, player 1 ("o") moves up. Moves are
written by name ("c4c3", "b2a3*" for a capture), ranks counted from the bottom as in OpenSpiel.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError, api_test, sample_legal_actions
from boardzoo.envs.breakthrough import make_game

from .positions import board, play


def actions(game, names):
    by_name = {game.action_name(a): a for a in range(game.num_actions)}
    return [by_name[name] for name in names]


def legal_names(game, state):
    return [game.action_name(a) for a in game.legal_actions(state, 0)]


def play_names(game, names):
    return play(game, actions(game, names))


def assert_live(state, mover):
    assert state.terminated.tolist() == [False]
    assert state.truncated.tolist() == [False]
    assert state.rewards.tolist() == [[0.0, 0.0]]
    assert state.current_player.tolist() == [mover]


def assert_won(game, names, winner):
    before = play_names(game, names[:-1])
    assert_live(before, winner)
    state = game.step(before, np.array(actions(game, names[-1:])))
    assert state.terminated.tolist() == [True]
    assert state.truncated.tolist() == [False]
    assert state.rewards.tolist() == [[1.0, -1.0] if winner == 0 else [-1.0, 1.0]]
    assert state.legal_action_mask.tolist() == [[False] * game.num_actions]
    assert state.current_player.tolist() == [1 - winner]
    assert state.step_count.tolist() == [len(names)]
    return before, state


FIRST_ROW_MOVES = "a5a4 a5b4 b5a4 b5b4 b5c4 c5b4 c5c4 c5d4 d5c4 d5d4 d5e4 e5d4 e5e4"  # x to move, 5 columns


def test_start_position_has_two_rows_per_side():
    game = make_game(rows=6, columns=5)
    state = game.init(1)
    assert game.render(state, 0) == board(
        """
          a b c d e
        6 x x x x x
        5 x x x x x
        4 . . . . .
        3 . . . . .
        2 o o o o o
        1 o o o o o
        """
    )
    assert_live(state, 0)
    assert state.step_count.tolist() == [0]
    # Only the front row moves: straight ahead or diagonally onto the empty rank.
    assert legal_names(game, state) == FIRST_ROW_MOVES.split()


def test_five_row_board_starts_with_one_row_per_side_as_openspiel():
    game = make_game(rows=5, columns=5)
    state = game.init(1)
    assert game.render(state, 0) == board(
        """
          a b c d e
        5 x x x x x
        4 . . . . .
        3 . . . . .
        2 . . . . .
        1 o o o o o
        """
    )
    assert legal_names(game, state) == FIRST_ROW_MOVES.split()


def test_straight_or_diagonal_move_onto_own_piece_is_illegal():
    game = make_game(rows=6, columns=5)
    state = game.init(1)
    a6a5, b6a5 = actions(game, ["a6a5", "b6a5"])
    assert not state.legal_action_mask[0, a6a5] and not state.legal_action_mask[0, b6a5]
    with pytest.raises(IllegalActionError, match=rf"action {a6a5} in row 0 \(a6a5\) is illegal"):
        game.step(state, np.array([a6a5]))
    with pytest.raises(IllegalActionError, match=rf"action {b6a5} in row 0 \(b6a5\) is illegal"):
        game.step(state, np.array([b6a5]))


def test_straight_move_blocked_by_enemy_piece():
    game = make_game(rows=6, columns=5)
    state = play_names(game, ["a5a4", "a2a3"])
    assert game.render(state, 0) == board(
        """
          a b c d e
        6 x x x x x
        5 . x x x x
        4 x . . . .
        3 o . . . .
        2 . o o o o
        1 o o o o o
        """
    )
    assert_live(state, 0)
    # a4a3 runs into o and straight moves never capture; b5a4 runs into x.
    expected = ["a6a5", "b6a5", "b5b4", "b5c4", "c5b4", "c5c4", "c5d4", "d5c4", "d5d4", "d5e4", "e5d4", "e5e4"]
    assert legal_names(game, state) == [*expected, "a4b3"]
    for name in ("a4a3", "a4a3*"):
        (action,) = actions(game, [name])
        with pytest.raises(IllegalActionError, match=re.escape(f"({name}) is illegal")):
            game.step(state, np.array([action]))


def test_diagonal_capture_is_legal_and_removes_the_enemy_piece():
    game = make_game(rows=6, columns=5)
    state = play_names(game, ["a5a4", "a2a3", "b5b4"])
    assert_live(state, 1)
    # o's a3 takes b4 diagonally, a3a4 is blocked; the back rank only moves into a2.
    expected = "a3b4* b2b3 b2c3 c2b3 c2c3 c2d3 d2c3 d2d3 d2e3 e2d3 e2e3 a1a2 b1a2"
    assert legal_names(game, state) == expected.split()
    assert "a3b4" not in legal_names(game, state)  # a capture is not a plain move
    state = game.step(state, np.array(actions(game, ["a3b4*"])))
    assert game.render(state, 0) == board(
        """
          a b c d e
        6 x x x x x
        5 . . x x x
        4 x o . . .
        3 . . . . .
        2 . o o o o
        1 o o o o o
        """
    )
    assert_live(state, 0)
    assert state.step_count.tolist() == [4]
    assert (state.board == 1).sum() == 9 and (state.board == 2).sum() == 10
    # x recaptures diagonally with c5; a4 cannot take sideways and now walks on.
    expected = "a6a5 a6b5 b6a5 b6b5 c6b5 c5b4* c5c4 c5d4 d5c4 d5d4 d5e4 e5d4 e5e4 a4a3 a4b3"
    assert legal_names(game, state) == expected.split()


def test_x_wins_by_reaching_the_bottom_row():
    game = make_game(rows=5, columns=5)
    before, state = assert_won(game, ["d5d4", "e1e2", "d4d3", "e2e3", "d3d2", "a1a2", "d2e1"], winner=0)
    assert legal_names(game, before)[-2:] == ["d2c1*", "d2e1"]  # d2d1 is blocked by o
    assert game.render(state, 0) == board(
        """
          a b c d e
        5 x x x . x
        4 . . . . .
        3 . . . . o
        2 o . . . .
        1 . o o o x
        """
    )


def test_o_wins_by_reaching_the_top_row():
    game = make_game(rows=5, columns=5)
    names = ["e5e4", "d1d2", "e4e3", "d2d3", "a5a4", "d3d4", "a4a3", "d4e5"]
    _, state = assert_won(game, names, winner=1)
    assert game.render(state, 0) == board(
        """
          a b c d e
        5 . x x x o
        4 . . . . .
        3 x . . . x
        2 . . . . .
        1 o o o . o
        """
    )


def test_reaching_the_far_row_with_a_capture_wins():
    game = make_game(rows=6, columns=5)
    _, state = assert_won(game, ["c5c4", "b2b3", "c4c3", "e2e3", "c3d2*", "e3e4", "d2e1*"], winner=0)
    assert game.render(state, 0) == board(
        """
          a b c d e
        6 x x x x x
        5 x x . x x
        4 . . . . o
        3 . o . . .
        2 o . o . .
        1 o o o o x
        """
    )


def test_x_wins_by_capturing_the_last_o_piece():
    game = make_game(rows=5, columns=5)
    names = "d5e4 a1b2 a5b4 d1c2 b5c4 c2b3 c4b3* b1c2 b3c2* b2a3 b4a3* c1b2 a3b2* e1e2 c5d4 e2d3 e4d3*"
    before, state = assert_won(game, names.split(), winner=0)
    assert game.render(before, 0) == board(
        """
          a b c d e
        5 . . . . x
        4 . . . x x
        3 . . . o .
        2 . x x . .
        1 . . . . .
        """
    )
    assert "d4d3" not in legal_names(game, before)
    assert game.render(state, 0) == board(
        """
          a b c d e
        5 . . . . x
        4 . . . x .
        3 . . . x .
        2 . x x . .
        1 . . . . .
        """
    )


def test_o_wins_by_capturing_the_last_x_piece():
    game = make_game(rows=5, columns=5)
    names = "c5b4 d1c2 d5d4 e1d2 d4d3 c2d3* b4c3 d2c3* b5b4 c3b4* a5b4* b1b2 e5e4 d3e4* b4a3 b2a3*"
    before, state = assert_won(game, names.split(), winner=1)
    assert game.render(before, 0) == board(
        """
          a b c d e
        5 . . . . .
        4 . . . . o
        3 x . . . .
        2 . o . . .
        1 o . o . .
        """
    )
    assert game.render(state, 0) == board(
        """
          a b c d e
        5 . . . . .
        4 . . . . o
        3 o . . . .
        2 . . . . .
        1 o . o . .
        """
    )


def test_observation_has_own_pieces_first_and_a_plane_for_the_upward_player():
    game = make_game(rows=6, columns=5)
    state = play_names(game, ["a5a4"])
    x = [[1] * 5, [0, 1, 1, 1, 1], [1, 0, 0, 0, 0], [0] * 5, [0] * 5, [0] * 5]
    o = [[0] * 5] * 4 + [[1] * 5] * 2
    zeros, ones = [[0] * 5] * 6, [[1] * 5] * 6
    assert game.observe(state).tolist() == [[o, x, ones]]
    assert game.observe(state, 0).tolist() == [[x, o, zeros]]
    assert game.observe(state, 1).tolist() == [[o, x, ones]]
    assert game.observation_shape == (3, 6, 5)


@pytest.mark.parametrize(("rows", "columns"), [(8, 8), (6, 5), (5, 10), (10, 7)])
def test_api(rows, columns):
    game = make_game(rows=rows, columns=columns)
    assert game.num_actions == rows * columns * 12
    assert game.params == {"rows": rows, "columns": columns}
    api_test(game, batch_size=64)


def test_defaults_are_eight_by_eight():
    game = make_game()
    assert game.params == {"rows": 8, "columns": 8}
    assert game.num_actions == 768
    assert game.board_shape == (8, 8)
    assert game.max_game_length == 209


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rows": 4}, "breakthrough: rows=4 is out of range; allowed: 5..10"),
        ({"rows": 11}, "breakthrough: rows=11 is out of range; allowed: 5..10"),
        ({"columns": 4}, "breakthrough: columns=4 is out of range; allowed: 5..10"),
        ({"columns": 11}, "breakthrough: columns=11 is out of range; allowed: 5..10"),
        ({"rows": 8.0}, "breakthrough: rows must be an int in 5..10, got 8.0"),
        ({"columns": True}, "breakthrough: columns must be an int in 5..10, got True"),
    ],
)
def test_bad_params_raise(params, message):
    with pytest.raises(ValueError) as info:
        make_game(**params)
    assert str(info.value) == message


def test_action_names_mark_captures_and_count_ranks_from_the_bottom():
    game = make_game()
    assert [game.action_name(a) for a in (98, 100, 108, 257, 763)] == ["a7a6", "a7b6", "b7a6", "f6g5*", "h1g2*"]
    assert make_game(rows=10, columns=5).action_name(2) == "a10a9"


@pytest.mark.parametrize(("rows", "columns"), [(8, 8), (6, 5), (10, 10)])
def test_mirror_maps_games_to_mirrored_games(rows, columns):
    game = make_game(rows=rows, columns=columns)
    identity, mirror = game.symmetries
    assert (identity.name, mirror.name) == ("identity", "flip_lr")
    assert identity.action_source.tolist() == list(range(game.num_actions))
    assert sorted(mirror.action_source.tolist()) == list(range(game.num_actions))
    # x's a-file piece stepping right becomes the last file's piece stepping left (a capture stays one).
    names = {game.action_name(a): a for a in range(game.num_actions)}
    last, before_last = chr(ord("a") + columns - 1), chr(ord("a") + columns - 2)
    for name, mirrored_name in [
        (f"a{rows - 1}b{rows - 2}", f"{last}{rows - 1}{before_last}{rows - 2}"),
        (f"a{rows - 1}a{rows - 2}", f"{last}{rows - 1}{last}{rows - 2}"),
        ("b2a3*", f"{before_last}2{last}3*"),
    ]:
        assert game.action_name(int(mirror.action(np.array(names[name])))) == mirrored_name
    rng = np.random.default_rng(3)
    state, mirrored = game.init(64), game.init(64)
    captures = 0
    while not state.done.all():
        assert np.array_equal(mirrored.board, state.board[:, :, ::-1])
        assert np.array_equal(mirrored.legal_action_mask, mirror.policy(state.legal_action_mask))
        assert np.array_equal(game.observe(mirrored), mirror.observation(game.observe(state)))
        action = sample_legal_actions(state.legal_action_mask, rng)
        live = ~state.done
        captures += int((action[live] % 2).sum())
        mirrored_action = np.where(live, mirror.action(np.maximum(action, 0)), -1)
        state, mirrored = game.step(state, action), game.step(mirrored, mirrored_action)
        assert np.array_equal(mirrored.rewards, state.rewards)
        assert np.array_equal(mirrored.terminated, state.terminated)
    assert np.array_equal(mirrored.board, state.board[:, :, ::-1])
    assert np.array_equal(mirrored.step_count, state.step_count)
    assert captures > 0
