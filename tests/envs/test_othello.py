"""Othello rules: hand-built positions (ASCII boards), perft node counts, and random games in
lockstep with OpenSpiel's `othello` (8×8 only there; other sizes by hand and by `api_test`).

Player 0 is "x" (black, moves first), player 1 is "o"; cell = row * N + col with row 0 at the
top, pass = N*N.
"""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError, api_test, sample_legal_actions
from boardzoo.envs.core import grid_symmetries
from boardzoo.envs.othello import BOARD_SIZES, _is_move, _move_bits, from_cells, make_game
from boardzoo.envs.tic_tac_toe import SQUARE_SYMMETRIES

from .oracle import play_lockstep
from .perft import perft, spiel_perft
from .positions import board, play_random

SYMBOLS = {".": 0, "x": 1, "o": 2}


def position(text: str, player: int):
    """A one-row state from a drawing in `Game.render`'s format, `player` to move."""
    rows = [line.split()[1:] for line in board(text).splitlines()[1:]]
    cells = np.array([[SYMBOLS[s] for s in row] for row in rows], dtype=np.int8)
    return from_cells(cells[None], np.array([player]))


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


# ---------------------------------------------------------------------------- start, parameters


def test_start_position_and_first_moves_8x8():
    game = make_game()
    assert game.num_actions == 65 and game.observation_shape == (2, 8, 8)
    state = game.init(2)
    assert game.render(state, 1) == board(
        """
          a b c d e f g h
        1 . . . . . . . .
        2 . . . . . . . .
        3 . . . . . . . .
        4 . . . o x . . .
        5 . . . x o . . .
        6 . . . . . . . .
        7 . . . . . . . .
        8 . . . . . . . .
        """
    )
    assert state.current_player.tolist() == [0, 0]
    assert game.legal_actions(state, 0) == [19, 26, 37, 44]
    assert [game.action_name(a) for a in (19, 26, 37, 44, 64)] == ["d3", "c4", "f5", "e6", "pass"]


@pytest.mark.parametrize("size", [4, 6, 16])
def test_start_position_other_sizes(size):
    game = make_game(board_size=size)
    state = game.init(1)
    m = size // 2
    cells = np.zeros((size, size), dtype=int)
    cells[m - 1, m - 1] = cells[m, m] = 2
    cells[m - 1, m] = cells[m, m - 1] = 1
    np.testing.assert_array_equal(game.cells_fn(state)[0], cells)
    moves = [(m - 2) * size + m - 1, (m - 1) * size + m - 2, m * size + m + 1, (m + 1) * size + m]
    assert_live(state, 0, moves)
    assert game.num_actions == size * size + 1


def test_start_position_4x4_drawing():
    game = make_game(board_size=4)
    assert game.render(game.init(1), 0) == board(
        """
          a b c d
        1 . . . .
        2 . o x .
        3 . x o .
        4 . . . .
        """
    )


@pytest.mark.parametrize(
    ("size", "reason"),
    [(n, "is odd") for n in (3, 5, 7, 9, 15, 17)] + [(n, "is out of range") for n in (0, 2, 18, -8)],
)
def test_bad_board_size_names_the_value_and_the_allowed_sizes(size, reason):
    with pytest.raises(ValueError) as info:
        make_game(board_size=size)
    assert str(info.value) == f"othello: board_size={size} {reason}; allowed: even sizes 4, 6, 8, 10, 12, 14, 16"


@pytest.mark.parametrize("size", [8.0, "8", True, None])
def test_non_int_board_size(size):
    with pytest.raises(ValueError, match="othello: board_size must be an even int in 4..16, got"):
        make_game(board_size=size)


@pytest.mark.parametrize("size", BOARD_SIZES)
def test_api_test_passes(size):
    api_test(make_game(board_size=size), batch_size=32, seed=size)


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


@pytest.mark.parametrize("size", [4, 6, 8])
def test_bitboard_moves_equal_the_scanned_moves(size):
    """Up to 8×8 legal moves come from uint64 bitboards; above, from scanning each cell."""
    states, _ = play_random(make_game(board_size=size), 16, seed=size)
    checked = 0
    for state in states:
        for cells in state.board:
            for stone in (1, 2):
                bits = int(_move_bits(cells, stone))
                from_bits = [bool(bits >> (r * 8 + c) & 1) for r in range(size) for c in range(size)]
                scanned = [_is_move(cells, r, c, stone) for r in range(size) for c in range(size)]
                assert from_bits == scanned
                checked += any(scanned)
    assert checked > 100


def test_a_finished_position_cannot_be_loaded():
    cells = np.zeros((1, 4, 4), dtype=np.int8)
    cells[0, 0] = 1
    with pytest.raises(ValueError, match="othello: row 0 is a finished game"):
        from_cells(cells, np.array([0]))
    with pytest.raises(ValueError, match="othello: cells must hold 0"):
        from_cells(cells + 3, np.array([0]))
    with pytest.raises(ValueError, match="othello: cells must have shape"):
        from_cells(np.zeros((1, 5, 5)), np.array([0]))


# -------------------------------------------------------------- observation and symmetries


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


@pytest.mark.parametrize("size", BOARD_SIZES)
def test_symmetries_are_exactly_those_that_keep_the_start_position(size):
    game = make_game(board_size=size)
    start = game.cells_fn(game.init(1))[0].ravel()
    keeps = [
        name for name, perm in grid_symmetries(size, size, SQUARE_SYMMETRIES).items() if (start[perm] == start).all()
    ]
    assert keeps == ["identity", "rot180", "transpose", "anti_transpose"]
    assert [s.name for s in game.symmetries] == keeps
    for symmetry in game.symmetries:
        assert symmetry.action_source[-1] == size * size  # pass is fixed
        np.testing.assert_array_equal(symmetry.policy(game.init(1).legal_action_mask), game.init(1).legal_action_mask)


# ------------------------------------------------------------------------------ perft, OpenSpiel

PERFT_8X8 = [1, 4, 12, 56, 244, 1396, 8200]  # depth 0..6, passes counted as moves


@pytest.mark.parametrize("depth", range(7))
def test_perft_known_values(depth):
    assert perft(make_game(), depth) == PERFT_8X8[depth]


def test_perft_counts_a_finished_game_as_one_leaf():
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
    assert [perft(game, d, state) for d in range(4)] == [1, 1, 1, 1]  # one move, then the end


try:
    import pyspiel
except ImportError:  # the OpenSpiel checks below skip; the rest of the file runs
    pyspiel = None
requires_openspiel = pytest.mark.skipif(pyspiel is None, reason="open-spiel is not installed")


def spiel_cells(state) -> np.ndarray:
    """int8[8, 8] from OpenSpiel's drawing ("-" empty, "x", "o")."""
    rows = [line.split()[1:9] for line in str(state).splitlines() if line[:1].isdigit()]
    return np.array([[{"-": 0, "x": 1, "o": 2}[s] for s in row] for row in rows], dtype=np.int8)


@requires_openspiel
def test_start_position_matches_openspiel():
    spiel_state = pyspiel.load_game("othello").new_initial_state()
    game = make_game()
    state = game.init(1)
    np.testing.assert_array_equal(game.cells_fn(state)[0], spiel_cells(spiel_state))
    assert spiel_state.current_player() == state.current_player[0] == 0
    assert game.legal_actions(state) == spiel_state.legal_actions()
    assert pyspiel.load_game("othello").num_distinct_actions() == game.num_actions


@requires_openspiel
@pytest.mark.parametrize("depth", range(1, 7))
def test_perft_matches_openspiel(depth):
    spiel_state = pyspiel.load_game("othello").new_initial_state()
    assert perft(make_game(), depth) == spiel_perft(spiel_state, depth)


@requires_openspiel
@pytest.mark.slow
@pytest.mark.parametrize(("depth", "expected"), [(7, 55092), (8, 390216), (9, 3005288)])
def test_perft_matches_openspiel_deeper(depth, expected):
    # Depth 9 reaches the first finished games (the shortest Othello game has 9 plies).
    spiel_state = pyspiel.load_game("othello").new_initial_state()
    assert perft(make_game(), depth) == spiel_perft(spiel_state, depth) == expected


@requires_openspiel
def test_random_games_agree_with_openspiel():
    """Boards, legal sets, players, ends and returns agree ply by ply (passes included)."""
    game = make_game()
    passes = 0

    def choose(state, rng):
        nonlocal passes
        actions = sample_legal_actions(state.legal_action_mask, rng)
        passes += int((actions[~state.done] == 64).sum())
        return actions

    def same_board(state, b, spiel_state):
        np.testing.assert_array_equal(game.cells_fn(state)[b], spiel_cells(spiel_state), err_msg=f"game {b}")

    _, outcomes = play_lockstep(game, pyspiel.load_game("othello"), 2000, seed=7, choose=choose,
                                after_move=same_board)  # fmt: skip
    assert passes > 0 and all(outcomes.values()), (passes, outcomes)
