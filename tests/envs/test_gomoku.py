"""Gomoku rules, checked on hand-played games (pgx style: moves -> board + outcome), plus random
games in lockstep with OpenSpiel's `gomoku`.

Moves are written as cell names ("h8" = column h, row 8 counted from the top, row 1 first).
"""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError, api_test
from boardzoo.envs.gomoku import make_game

from .positions import board, play


def cells(text: str, size: int = 15) -> list[int]:
    """Cell names ("h8 a1 ...") as actions, row * size + col."""
    return [(int(name[1:]) - 1) * size + ord(name[0]) - ord("a") for name in text.split()]


def assert_live(state, game, moves):
    assert state.terminated.tolist() == [False]
    assert state.truncated.tolist() == [False]
    assert state.rewards.tolist() == [[0.0, 0.0]]
    assert state.current_player.tolist() == [len(moves) % 2]
    assert state.legal_action_mask.tolist() == [[a not in moves for a in range(game.num_actions)]]
    assert state.step_count.tolist() == [len(moves)]


def assert_won(state, game, moves, winner):
    assert state.terminated.tolist() == [True]
    assert state.truncated.tolist() == [False]
    assert state.rewards.tolist() == [[1.0, -1.0] if winner == 0 else [-1.0, 1.0]]
    assert state.legal_action_mask.tolist() == [[False] * game.num_actions]
    assert state.current_player.tolist() == [1 - winner]  # the loser would move next
    assert state.step_count.tolist() == [len(moves)]


WINS = [
    pytest.param(
        {},
        "h8 a1 i8 a2 k8 a3 l8 a4 j8",  # x fills the middle of its five last
        board(
            """
               a b c d e f g h i j k l m n o
             1 o . . . . . . . . . . . . . .
             2 o . . . . . . . . . . . . . .
             3 o . . . . . . . . . . . . . .
             4 o . . . . . . . . . . . . . .
             5 . . . . . . . . . . . . . . .
             6 . . . . . . . . . . . . . . .
             7 . . . . . . . . . . . . . . .
             8 . . . . . . . x x x x x . . .
             9 . . . . . . . . . . . . . . .
            10 . . . . . . . . . . . . . . .
            11 . . . . . . . . . . . . . . .
            12 . . . . . . . . . . . . . . .
            13 . . . . . . . . . . . . . . .
            14 . . . . . . . . . . . . . . .
            15 . . . . . . . . . . . . . . .
            """
        ),
        0,
        id="x-horizontal",
    ),
    pytest.param(
        {},
        "a1 o15 c1 o14 e1 o13 g1 o12 i1 o11",  # o down the right edge to the corner
        board(
            """
               a b c d e f g h i j k l m n o
             1 x . x . x . x . x . . . . . .
             2 . . . . . . . . . . . . . . .
             3 . . . . . . . . . . . . . . .
             4 . . . . . . . . . . . . . . .
             5 . . . . . . . . . . . . . . .
             6 . . . . . . . . . . . . . . .
             7 . . . . . . . . . . . . . . .
             8 . . . . . . . . . . . . . . .
             9 . . . . . . . . . . . . . . .
            10 . . . . . . . . . . . . . . .
            11 . . . . . . . . . . . . . . o
            12 . . . . . . . . . . . . . . o
            13 . . . . . . . . . . . . . . o
            14 . . . . . . . . . . . . . . o
            15 . . . . . . . . . . . . . . o
            """
        ),
        1,
        id="o-vertical",
    ),
    pytest.param(
        {},
        "a1 a15 b2 b15 d4 c15 e5 d15 c3",  # x from the corner a1 down-right; o's four on row 15
        board(
            """
               a b c d e f g h i j k l m n o
             1 x . . . . . . . . . . . . . .
             2 . x . . . . . . . . . . . . .
             3 . . x . . . . . . . . . . . .
             4 . . . x . . . . . . . . . . .
             5 . . . . x . . . . . . . . . .
             6 . . . . . . . . . . . . . . .
             7 . . . . . . . . . . . . . . .
             8 . . . . . . . . . . . . . . .
             9 . . . . . . . . . . . . . . .
            10 . . . . . . . . . . . . . . .
            11 . . . . . . . . . . . . . . .
            12 . . . . . . . . . . . . . . .
            13 . . . . . . . . . . . . . . .
            14 . . . . . . . . . . . . . . .
            15 o o o o . . . . . . . . . . .
            """
        ),
        0,
        id="x-down-right-diagonal",
    ),
    pytest.param(
        {},
        "h8 o1 h9 n2 h10 m3 h12 k5 h13 l4",  # o from the corner o1 down-left; x's five has a gap
        board(
            """
               a b c d e f g h i j k l m n o
             1 . . . . . . . . . . . . . . o
             2 . . . . . . . . . . . . . o .
             3 . . . . . . . . . . . . o . .
             4 . . . . . . . . . . . o . . .
             5 . . . . . . . . . . o . . . .
             6 . . . . . . . . . . . . . . .
             7 . . . . . . . . . . . . . . .
             8 . . . . . . . x . . . . . . .
             9 . . . . . . . x . . . . . . .
            10 . . . . . . . x . . . . . . .
            11 . . . . . . . . . . . . . . .
            12 . . . . . . . x . . . . . . .
            13 . . . . . . . x . . . . . . .
            14 . . . . . . . . . . . . . . .
            15 . . . . . . . . . . . . . . .
            """
        ),
        1,
        id="o-down-left-diagonal",
    ),
    pytest.param(
        {},
        "b8 a1 c8 c1 e8 e1 f8 g1 g8 i1 d8",  # x joins two and three stones: six in a row wins
        board(
            """
               a b c d e f g h i j k l m n o
             1 o . o . o . o . o . . . . . .
             2 . . . . . . . . . . . . . . .
             3 . . . . . . . . . . . . . . .
             4 . . . . . . . . . . . . . . .
             5 . . . . . . . . . . . . . . .
             6 . . . . . . . . . . . . . . .
             7 . . . . . . . . . . . . . . .
             8 . x x x x x x . . . . . . . .
             9 . . . . . . . . . . . . . . .
            10 . . . . . . . . . . . . . . .
            11 . . . . . . . . . . . . . . .
            12 . . . . . . . . . . . . . . .
            13 . . . . . . . . . . . . . . .
            14 . . . . . . . . . . . . . . .
            15 . . . . . . . . . . . . . . .
            """
        ),
        0,
        id="x-overline-of-six",
    ),
    pytest.param(
        {"board_size": 9, "win_length": 4},
        "a1 i9 b1 h8 c1 g7 d1",  # four wins; o's three on the diagonal does not
        board(
            """
              a b c d e f g h i
            1 x x x x . . . . .
            2 . . . . . . . . .
            3 . . . . . . . . .
            4 . . . . . . . . .
            5 . . . . . . . . .
            6 . . . . . . . . .
            7 . . . . . . o . .
            8 . . . . . . . o .
            9 . . . . . . . . o
            """
        ),
        0,
        id="9x9-four-x-horizontal",
    ),
    pytest.param(
        {"board_size": 9, "win_length": 4},
        "a5 a1 b5 c1 d5 e1 e5 g1 c5",  # two + gap + two: five in a row wins with win_length 4
        board(
            """
              a b c d e f g h i
            1 o . o . o . o . .
            2 . . . . . . . . .
            3 . . . . . . . . .
            4 . . . . . . . . .
            5 x x x x x . . . .
            6 . . . . . . . . .
            7 . . . . . . . . .
            8 . . . . . . . . .
            9 . . . . . . . . .
            """
        ),
        0,
        id="9x9-four-x-overline-of-five",
    ),
]


@pytest.mark.parametrize(("params", "moves", "expected", "winner"), WINS)
def test_win(params, moves, expected, winner):
    game = make_game(**params)
    moves = cells(moves, game.params["board_size"])
    state = play(game, moves)
    assert game.render(state, 0) == expected
    assert_won(state, game, moves, winner)


@pytest.mark.parametrize(("params", "moves", "expected", "winner"), WINS)
def test_no_win_before_the_last_move(params, moves, expected, winner):
    game = make_game(**params)
    moves = cells(moves, game.params["board_size"])
    state = play(game, moves[:-1])
    assert_live(state, game, moves[:-1])
    assert state.current_player.tolist() == [winner]


def test_four_in_a_row_does_not_win_by_default():
    game = make_game()
    moves = cells("a8 h1 b8 h2 c8 h3 d8 h4")
    state = play(game, moves)
    assert game.render(state, 0) == board(
        """
           a b c d e f g h i j k l m n o
         1 . . . . . . . o . . . . . . .
         2 . . . . . . . o . . . . . . .
         3 . . . . . . . o . . . . . . .
         4 . . . . . . . o . . . . . . .
         5 . . . . . . . . . . . . . . .
         6 . . . . . . . . . . . . . . .
         7 . . . . . . . . . . . . . . .
         8 x x x x . . . . . . . . . . .
         9 . . . . . . . . . . . . . . .
        10 . . . . . . . . . . . . . . .
        11 . . . . . . . . . . . . . . .
        12 . . . . . . . . . . . . . . .
        13 . . . . . . . . . . . . . . .
        14 . . . . . . . . . . . . . . .
        15 . . . . . . . . . . . . . . .
        """
    )
    assert_live(state, game, moves)
    won = game.step(state, np.array(cells("e8")))
    assert_won(won, game, [*moves, *cells("e8")], winner=0)


@pytest.mark.parametrize("win_length", [3, 4, 5])
def test_full_board_draw(win_length):
    game = make_game(board_size=5, win_length=win_length)
    # No three of a kind in any row, column or diagonal.
    x_cells = cells("a1 b1 e1 c2 d2 a3 b3 e3 c4 d4 a5 b5 e5", 5)
    o_cells = cells("c1 d1 a2 b2 e2 c3 d3 a4 b4 e4 c5 d5", 5)
    moves = [cell for pair in zip(x_cells, [*o_cells, None], strict=True) for cell in pair if cell is not None]
    state = game.init(1)
    for ply, move in enumerate(moves):
        state = game.step(state, np.array([move]))
        assert state.rewards.tolist() == [[0.0, 0.0]]
        assert state.terminated.tolist() == [ply == 24]
    assert game.render(state, 0) == board(
        """
          a b c d e
        1 x x o o x
        2 o o x x o
        3 x x o o x
        4 o o x x o
        5 x x o o x
        """
    )
    assert state.legal_action_mask.tolist() == [[False] * 25]
    assert state.truncated.tolist() == [False]
    assert state.current_player.tolist() == [1]
    assert state.step_count.tolist() == [25]


def test_non_default_params_shape_the_game():
    game = make_game(board_size=9, win_length=4)
    assert dict(game.params) == {"board_size": 9, "win_length": 4}
    assert game.num_actions == 81
    assert game.observation_shape == (2, 9, 9)
    assert game.board_shape == (9, 9)
    assert game.max_game_length == 81
    assert game.init(3).legal_action_mask.shape == (3, 81)


def test_default_params():
    game = make_game()
    assert game.id == "gomoku"
    assert dict(game.params) == {"board_size": 15, "win_length": 5}
    assert game.num_actions == 225
    assert game.observation_shape == (2, 15, 15)
    assert game.max_game_length == 225


def test_action_names_and_numbering():
    game = make_game()
    assert [game.action_name(a) for a in (0, 1, 14, 15, 112, 224)] == ["a1", "b1", "o1", "a2", "h8", "o15"]
    assert cells("a1 b1 o1 a2 h8 o15") == [0, 1, 14, 15, 112, 224]
    state = play(game, [112, 16])
    assert state.board[0, 7, 7] == 1 and state.board[0, 1, 1] == 2
    assert game.cells_fn(state)[0, 7].tolist() == [0] * 7 + [1] + [0] * 7


def test_occupied_cell_is_illegal():
    game = make_game()
    state = play(game, [112])
    with pytest.raises(IllegalActionError, match=r"action 112 in row 0 \(h8\) is illegal"):
        game.step(state, np.array([112]))


def test_observation_is_from_the_players_point_of_view():
    game = make_game(board_size=5, win_length=3)
    state = play(game, cells("a1 e5 c3", 5))
    x_stones = np.zeros((5, 5))
    x_stones[0, 0] = x_stones[2, 2] = 1
    o_stones = np.zeros((5, 5))
    o_stones[4, 4] = 1
    obs = game.observe(state)  # o to move
    assert obs.dtype == np.float32
    assert obs.tolist() == [[o_stones.tolist(), x_stones.tolist()]]
    assert game.observe(state, 0).tolist() == [[x_stones.tolist(), o_stones.tolist()]]


def test_the_eight_square_symmetries():
    game = make_game(board_size=9, win_length=4)
    assert [s.name for s in game.symmetries] == [
        "identity",
        "rot90",
        "rot180",
        "rot270",
        "flip_lr",
        "flip_ud",
        "transpose",
        "anti_transpose",
    ]
    state = play(game, cells("a1 b1", 9))
    flipped = game.symmetries[4].observation(game.observe(state))  # flip_lr: a1 -> i1, b1 -> h1
    assert flipped[0, 0, 0].tolist() == [0] * 8 + [1]
    assert flipped[0, 1, 0].tolist() == [0] * 7 + [1, 0]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"board_size": 4}, "gomoku: board_size=4 is out of range; allowed: 5..19"),
        ({"board_size": 20}, "gomoku: board_size=20 is out of range; allowed: 5..19"),
        ({"board_size": 15.0}, "gomoku: board_size must be an int in 5..19, got 15.0"),
        ({"win_length": 2}, "gomoku: win_length=2 is out of range; allowed: 3..15"),
        ({"win_length": 16}, "gomoku: win_length=16 is out of range; allowed: 3..15"),
        ({"board_size": 7, "win_length": 8}, "gomoku: win_length=8 is out of range; allowed: 3..7"),
        ({"win_length": True}, "gomoku: win_length must be an int in 3..15, got True"),
    ],
)
def test_bad_params_raise(params, message):
    with pytest.raises(ValueError) as info:
        make_game(**params)
    assert str(info.value) == message


@pytest.mark.parametrize(
    "params",
    [{}, {"board_size": 9, "win_length": 4}, {"board_size": 5, "win_length": 5}, {"board_size": 19, "win_length": 3}],
)
def test_api_test(params):
    api_test(make_game(**params), batch_size=64, seed=3)
