"""Othello as a whole: the start position, parameters and symmetries, then the move generator
checked against scanning (bitboards), perft node counts and random games in lockstep with
OpenSpiel's `othello` (8×8 only there). Positions by hand: `test_othello.py`."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import api_test, sample_legal_actions
from boardzoo.envs.core import SQUARE_SYMMETRIES, grid_symmetries
from boardzoo.envs.othello import BOARD_SIZES, _is_move, _move_bits, from_cells, make_game

from .oracle import play_lockstep
from .perft import perft, spiel_perft
from .positions import board, cells_of, play_random

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
    assert game.legal_actions(state) == moves and state.current_player.tolist() == [0]
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


# -------------------------------------------------------------- move generator, perft, OpenSpiel


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


PERFT_8X8 = [1, 4, 12, 56, 244, 1396, 8200]  # depth 0..6, passes counted as moves


@pytest.mark.parametrize("depth", range(7))
def test_perft_known_values(depth):
    assert perft(make_game(), depth) == PERFT_8X8[depth]


def test_perft_counts_a_finished_game_as_one_leaf():
    game = make_game(board_size=4)
    drawing = """
          a b c d
        1 . o x x
        2 x x x x
        3 . . . .
        4 o o o o
        """
    state = from_cells(cells_of(drawing)[None], np.array([0]))
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

    spiel_game = pyspiel.load_game("othello")
    _, outcomes = play_lockstep(game, spiel_game, 2000, seed=7, choose=choose, after_move=same_board)
    assert passes > 0 and all(outcomes.values()), (passes, outcomes)
