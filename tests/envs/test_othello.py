"""Othello rules on hand-built positions (ASCII boards): flips, passes, ends, observation.
The start position, parameters, symmetries, perft and the OpenSpiel oracle are in
`test_othello_oracles.py`.

Player 0 is "x" (black, moves first), player 1 is "o"; cell = row * N + col with row 0 at the
top, pass = N*N.
"""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError
from boardzoo.envs.othello import from_cells, make_game

from .positions import board, cells_of


def position(text: str, player: int):
    """A one-row state from a drawing in `Game.render`'s format, `player` to move."""
    return from_cells(cells_of(text)[None], np.array([player]))


def step(game, state, action):
    return game.step(state, np.array([action]))


def cell(name: str, size: int) -> int:
    """The action of a cell name: "d3" is row 2 * size + column 3."""
    return (int(name[1:]) - 1) * size + ord(name[0]) - ord("a")


def assert_live(state, player, legal):
    assert state.terminated.tolist() == [False]
    assert state.rewards.tolist() == [[0.0, 0.0]]
    assert state.current_player.tolist() == [player]
    assert np.flatnonzero(state.legal_action_mask[0]).tolist() == legal


def assert_over(game, state, rewards, next_player):
    assert state.terminated.tolist() == [True]
    assert state.truncated.tolist() == [False]
    assert state.rewards.tolist() == [rewards]
    assert state.legal_action_mask.tolist() == [[False] * game.num_actions]
    assert state.current_player.tolist() == [next_player]


# ------------------------------------------------------------------------------------- flips


def test_one_move_flips_in_all_eight_directions():
    game = make_game()
    state = position(
        """
          a b c d e f g h
        1 . . . . . . . .
        2 . x . x . x . .
        3 . . o o o . . .
        4 . x o . o o x o
        5 . . o o o . . .
        6 . x . x . x . .
        7 . . . . . . . .
        8 . . . . . . . .
        """,
        player=0,
    )
    state = step(game, state, cell("d4", 8))
    assert game.render(state, 0) == board(
        """
          a b c d e f g h
        1 . . . . . . . .
        2 . x . x . x . .
        3 . . x x x . . .
        4 . x x x x x x o
        5 . . x x x . . .
        6 . x . x . x . .
        7 . . . . . . . .
        8 . . . . . . . .
        """
    )
    assert_live(state, 1, [cell("a4", 8)])  # o's last stone closes b4..g4 from a4


def test_flip_along_a_diagonal_only():
    game = make_game()
    state = position(
        """
          a b c d e f g h
        1 . . . . . . . .
        2 . . . . . x . .
        3 . . . . o . . .
        4 . . . o . . . .
        5 . . . . . . . .
        6 . o . . . . . .
        7 . . . . . . . .
        8 . . . . . . . .
        """,
        player=0,
    )
    assert_live(state, 0, [cell("c5", 8)])
    state = step(game, state, cell("c5", 8))
    assert game.render(state, 0) == board(
        """
          a b c d e f g h
        1 . . . . . . . .
        2 . . . . . x . .
        3 . . . . x . . .
        4 . . . x . . . .
        5 . . x . . . . .
        6 . o . . . . . .
        7 . . . . . . . .
        8 . . . . . . . .
        """
    )
    assert_live(state, 1, [cell("g1", 8)])  # b6 closes c5..f2 from g1
    state = step(game, state, cell("g1", 8))
    assert game.render(state, 0).splitlines()[1:7] == [
        "1 . . . . . . o .",
        "2 . . . . . o . .",
        "3 . . . . o . . .",
        "4 . . . o . . . .",
        "5 . . o . . . . .",
        "6 . o . . . . . .",
    ]


def test_no_flip_through_a_gap_or_off_the_edge():
    game = make_game()
    state = position(
        """
          a b c d e f g h
        1 . . . . . . . .
        2 . . . x . . . .
        3 . . . o . . . .
        4 o o o . o . x .
        5 . . . x o . . .
        6 . . . . . o . .
        7 . . . . . . . .
        8 . . . . . . . x
        """,
        player=0,
    )
    mask = state.legal_action_mask[0]
    assert mask[cell("d4", 8)]
    # g7 would close e5, f6 only through the empty d4; f4 would close e4 only through d4.
    assert not mask[cell("g7", 8)] and not mask[cell("f4", 8)]
    state = step(game, state, cell("d4", 8))
    # Only d3 (closed by d2) flips: e4 (gap at f4), a4..c4 (edge) and e5, f6 (gap at g7) stay.
    assert game.render(state, 0) == board(
        """
          a b c d e f g h
        1 . . . . . . . .
        2 . . . x . . . .
        3 . . . x . . . .
        4 o o o x o . x .
        5 . . . x o . . .
        6 . . . . . o . .
        7 . . . . . . . .
        8 . . . . . . . x
        """
    )
    assert state.current_player.tolist() == [1]


def test_occupied_or_non_flipping_cells_and_pass_with_moves_are_illegal():
    game = make_game()
    state = game.init(1)
    with pytest.raises(IllegalActionError, match=r"action 27 in row 0 \(d4\) is illegal; legal actions there: \[19"):
        step(game, state, 27)
    with pytest.raises(IllegalActionError, match=r"action 0 in row 0 \(a1\) is illegal"):
        step(game, state, 0)
    with pytest.raises(IllegalActionError, match=r"action 64 in row 0 \(pass\) is illegal"):
        step(game, state, 64)
    with pytest.raises(IllegalActionError, match=r"action 65 in row 0 is out of range 0\.\.64"):
        step(game, state, 65)


# ------------------------------------------------------------------------------ pass and ends


def test_forced_pass_then_the_other_player_moves_then_a_wipe_out_ends_the_game():
    game = make_game(board_size=4)
    state = position(
        """
          a b c d
        1 x o . .
        2 x o . .
        3 . . . .
        4 . . . .
        """,
        player=0,
    )
    state = step(game, state, cell("c1", 4))  # flips b1; o's only stone b2 is now unflankable
    assert game.render(state, 0) == board(
        """
          a b c d
        1 x x x .
        2 x o . .
        3 . . . .
        4 . . . .
        """
    )
    assert_live(state, 1, [16])  # only the pass
    with pytest.raises(IllegalActionError, match=r"action 6 in row 0 \(c2\) is illegal; legal actions there: \[16\]"):
        step(game, state, cell("c2", 4))
    state = step(game, state, 16)
    assert_live(state, 0, [cell("c2", 4), cell("a3", 4), cell("b3", 4), cell("c3", 4)])
    assert state.step_count.tolist() == [2]
    assert game.render(state, 0).splitlines()[1:3] == ["1 x x x .", "2 x o . ."]  # a pass changes nothing
    state = step(game, state, cell("c2", 4))  # takes o's last stone: neither side can move
    assert_over(game, state, [1.0, -1.0], next_player=1)
    assert game.render(state, 0).splitlines()[1:3] == ["1 x x x .", "2 x x x ."]
    assert state.step_count.tolist() == [3]


def test_blocked_position_ends_before_the_board_is_full_more_discs_win():
    game = make_game(board_size=4)
    state = position(
        """
          a b c d
        1 . o x x
        2 x x x x
        3 . . . .
        4 o o o o
        """,
        player=0,
    )
    assert_live(state, 0, [cell("a1", 4)])
    state = step(game, state, cell("a1", 4))
    # Row 3 is empty, but every run from it reaches the edge: no move for x (8) or o (4).
    assert game.render(state, 0) == board(
        """
          a b c d
        1 x x x x
        2 x x x x
        3 . . . .
        4 o o o o
        """
    )
    assert_over(game, state, [1.0, -1.0], next_player=1)


def test_full_board_o_wins_on_disc_count():
    game = make_game(board_size=4)
    state = position(
        """
          a b c d
        1 o o o o
        2 o x x .
        3 o x x x
        4 x x x x
        """,
        player=1,
    )
    assert_live(state, 1, [cell("d2", 4)])
    state = step(game, state, cell("d2", 4))  # flips b2, c2; d3, c3 run to the edge unclosed
    assert game.render(state, 0) == board(
        """
          a b c d
        1 o o o o
        2 o o o o
        3 o x x x
        4 x x x x
        """
    )
    assert_over(game, state, [-1.0, 1.0], next_player=0)  # 9 - 7


def test_full_board_equal_count_is_a_draw():
    game = make_game(board_size=4)
    state = position(
        """
          a b c d
        1 . o x x
        2 x x o o
        3 o o o o
        4 o x x o
        """,
        player=0,
    )
    state = step(game, state, cell("a1", 4))
    assert game.render(state, 0).splitlines()[1] == "1 x x x x"
    assert (game.cells_fn(state) == 1).sum() == (game.cells_fn(state) == 2).sum() == 8
    assert_over(game, state, [0.0, 0.0], next_player=1)


def test_fourteen_stone_runs_and_a_forced_pass_on_16x16():
    # Boards above 8×8 take the scanning move generator, not the uint64 bitboards.
    game = make_game(board_size=16)
    cells = np.zeros((16, 16), dtype=np.int8)
    cells[0, 1:15] = cells[1:15, 0] = 2  # o along the top row and the left column
    cells[range(1, 15), range(1, 15)] = 2  # and on the diagonal, open at p16
    cells[0, 15] = cells[15, 0] = 1
    state = step(game, from_cells(cells[None], np.array([0])), 0)  # x a1
    cells[0, :] = cells[:, 0] = 1  # both 14-stone runs flip; the diagonal is not closed
    np.testing.assert_array_equal(game.cells_fn(state)[0], cells)
    assert_live(state, 1, [256])  # every x is on an edge: o cannot close a run
    state = step(game, state, 256)
    assert state.legal_action_mask[0, 255] and state.current_player.tolist() == [0]
    state = step(game, state, 255)  # x p16 closes the diagonal at a1: o is wiped out
    cells[range(16), range(16)] = 1
    np.testing.assert_array_equal(game.cells_fn(state)[0], cells)
    assert_over(game, state, [1.0, -1.0], next_player=1)


def test_a_finished_position_cannot_be_loaded():
    cells = np.zeros((1, 4, 4), dtype=np.int8)
    cells[0, 0] = 1
    with pytest.raises(ValueError, match="othello: row 0 is a finished game"):
        from_cells(cells, np.array([0]))
    with pytest.raises(ValueError, match="othello: cells must hold 0"):
        from_cells(cells + 3, np.array([0]))
    with pytest.raises(ValueError, match="othello: cells must have shape"):
        from_cells(np.zeros((1, 5, 5)), np.array([0]))


# ------------------------------------------------------------------------------- observation


def test_observation_is_own_then_opponent():
    game = make_game(board_size=4)
    state = game.init(1)
    x = [[0, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]]
    o = [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    assert game.observe(state).tolist() == [[x, o]]
    assert game.observe(state, 1).tolist() == [[o, x]]
    state = step(game, state, cell("b1", 4))  # x flips b2; o to move sees its stones first
    x = [[0, 1, 0, 0], [0, 1, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]]
    o = [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    assert game.observe(state).tolist() == [[o, x]]
    assert game.observe(state).dtype == np.float32
