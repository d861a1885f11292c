"""Every solver against plain exhaustive minimax over the kernel (tests/solvers/oracle.py), the
Hex solver against the known winning first moves, and our Connect Four solver against bitbully."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.agents.solvers import (
    ILLEGAL,
    UNKNOWN_DISTANCE,
    ConnectFourSolver,
    HexSolver,
    Solution,
    Solver,
    TicTacToeSolver,
    position_values,
    solver_for,
)
from boardzoo.envs import make

from .oracle import Minimax, random_positions

# (game id, params, plies of the random positions, positions): small enough for the oracle.
ORACLE_CASES = [
    ("tic_tac_toe", {}, (0, 7), 40),
    ("connect_four", {"rows": 4, "columns": 4}, (3, 8), 25),
    ("connect_four", {"rows": 4, "columns": 5}, (8, 12), 15),
    ("connect_four", {"rows": 4, "columns": 4, "x_in_row": 3}, (2, 6), 25),
    ("hex", {"board_size": 3}, (0, 6), 40),
    ("hex", {"board_size": 4}, (8, 12), 15),
]


@pytest.mark.parametrize(("game_id", "params", "plies", "count"), ORACLE_CASES, ids=lambda c: str(c))
def test_solver_values_and_distances_match_exhaustive_minimax(game_id, params, plies, count):
    game = make(game_id, **params)
    solver = solver_for(game)
    oracle = Minimax(game)
    states = random_positions(game, count, plies, np.random.default_rng(7))
    solution = solver.solve(states)
    for row in range(count):
        expected = oracle.move_values(states.take(np.array([row])))
        legal = np.flatnonzero(states.legal_action_mask[row])
        assert sorted(expected) == legal.tolist()
        assert {a: int(solution.values[row, a]) for a in legal} == {a: v for a, (v, _) in expected.items()}
        if solver.has_distances:
            assert {a: int(solution.distances[row, a]) for a in legal} == {a: d for a, (_, d) in expected.items()}
        else:
            assert (solution.distances[row] == UNKNOWN_DISTANCE).all()
        assert (solution.values[row][~states.legal_action_mask[row]] == ILLEGAL).all()
        assert solution.value[row] == max(v for v, _ in expected.values())


def test_hex_3x3_first_moves_match_minimax_five_cells_win():
    game = make("hex", board_size=3)
    values = HexSolver(game).solve(game.init(1)).values[0]
    expected = Minimax(game).move_values(game.init(1))
    assert values.tolist() == [expected[a][0] for a in range(9)]
    # The middle row and the two obtuse corners (top right, bottom left) win.
    assert np.flatnonzero(values == 1).tolist() == [2, 3, 4, 5, 6]


def test_hex_4x4_first_moves_win_on_the_short_diagonal_only():
    # The published 4x4 result (Queenbee's opening tables, HexWiki "Small boards"): the first
    # player wins exactly with the four cells of the short diagonal (a4, b3, c2, d1).
    game = make("hex", board_size=4)
    values = HexSolver(game).solve(game.init(1)).values[0]
    assert np.flatnonzero(values == 1).tolist() == [3, 6, 9, 12]


def test_hex_5x5_first_moves():
    # About 5 seconds. 13 winning first moves: a band along the short diagonal, symmetric under
    # the 180-degree turn; the centre wins and both acute corners lose. Found by this solver,
    # not independently checked (the oracle cannot reach 5x5).
    game = make("hex", board_size=5)
    values = HexSolver(game).solve(game.init(1)).values[0]
    assert np.flatnonzero(values == 1).tolist() == [4, 6, 7, 8, 9, 11, 12, 13, 15, 16, 17, 18, 20]
    assert (values == values[::-1]).all()


def test_hex_5x5_position_that_stalled_a_small_table_is_solved_consistently():
    # After a2, a5 the search never finished with 2 ** 23 table entries while it read its
    # children's progress from the table only. Now it does, and each move's value is minus the
    # value of the position it leads to, solved on its own by a fresh solver.
    game = make("hex", board_size=5)
    state = game.step(game.step(game.init(1), np.array([5])), np.array([20]))
    values = HexSolver(game).solve(state).values[0]
    legal = np.flatnonzero(state.legal_action_mask[0])
    children = game.step(state.take(np.zeros(len(legal), np.int64)), legal)
    np.testing.assert_array_equal(values[legal], -HexSolver(game).solve(children).value)
    assert set(values[legal].tolist()) == {-1, 1}


def test_hex_solver_with_a_tiny_table_finishes_and_agrees_with_the_default_table():
    # With 2 ** 10 entries for 4 x 4 positions, colliding entries overwrite each other all the
    # time. The search used to read its children's progress from the table only, so a parent
    # whose searched child lost its entry re-entered that child for ever (a study's gauntlet hung
    # in a 4 x 4 position once a long-lived solver's table filled up). Now each frame keeps its
    # children's numbers itself: the search finishes (about a second) with the same values.
    game = make("hex", board_size=4)
    states = random_positions(game, 40, (0, 7), np.random.default_rng(0))
    tiny = HexSolver(game, table_bits=10).solve(states)
    np.testing.assert_array_equal(tiny.values, HexSolver(game).solve(states).values)


def test_connect_four_small_boards_from_the_start():
    # Empty-board values (the 4x4 one also comes from the oracle in the test above): draws.
    for rows, columns in ((4, 4), (4, 5), (5, 4)):
        game = make("connect_four", rows=rows, columns=columns)
        solution = ConnectFourSolver(game).solve(game.init(1))
        assert solution.value[0] == 0 and solution.distance[0] == rows * columns


def test_our_connect_four_solver_agrees_with_bitbully_on_late_7x6_positions():
    bitbully = pytest.importorskip("bitbully")
    assert bitbully is not None
    game = make("connect_four")
    states = random_positions(game, 30, (26, 32), np.random.default_rng(3))
    ours = ConnectFourSolver(game, table_bits=20).solve(states)
    theirs = solver_for(game).solve(states)
    assert type(solver_for(game)).__name__ == "BitBullySolver"
    np.testing.assert_array_equal(ours.values, theirs.values)
    np.testing.assert_array_equal(ours.distances, theirs.distances)


def test_values_only_mode_gives_the_same_values_without_distances():
    game = make("connect_four", rows=4, columns=5)
    states = random_positions(game, 20, (4, 10), np.random.default_rng(5))
    exact = ConnectFourSolver(game).solve(states)
    quick = ConnectFourSolver(game, distances=False).solve(states)
    np.testing.assert_array_equal(exact.values, quick.values)
    # Only distances that cost nothing are given: draws (the board fills) and wins at once.
    known = quick.distances >= 0
    np.testing.assert_array_equal(quick.distances[known], exact.distances[known])
    assert (known[quick.legal] == ((quick.values == 0) | (exact.distances == 1))[quick.legal]).all()


def test_finished_rows_have_no_moves_and_their_result():
    game = make("tic_tac_toe")
    state = game.init(2)
    for a, b in ((0, 0), (3, 1), (1, 2), (4, 3), (2, 4)):  # row 0: x wins on the top row
        state = game.step(state, np.array([a, b]))
    solution = TicTacToeSolver(game).solve(state)
    assert state.done[0] and not state.done[1]
    assert (solution.values[0] == ILLEGAL).all() and solution.value[0] == -1 and solution.distance[0] == 0
    hex_game = make("hex", board_size=2)
    hex_state = hex_game.init(1)
    for cell in (1, 0, 2):  # x: b1 then a2, a chain from top to bottom
        hex_state = hex_game.step(hex_state, np.array([cell]))
    assert hex_state.done[0] and HexSolver(hex_game).solve(hex_state).value[0] == -1
    c4_game = make("connect_four", rows=4, columns=4)
    ends = {}
    rng = np.random.default_rng(0)
    while len(ends) < 2:  # one game won, one drawn on a full board
        c4_state = c4_game.init(1)
        while not c4_state.done[0]:
            c4_state = c4_game.step(c4_state, np.array([rng.choice(np.flatnonzero(c4_state.legal_action_mask[0]))]))
        ends[int(abs(c4_state.rewards[0]).sum())] = c4_state
    assert ConnectFourSolver(c4_game).solve(type(ends[0]).stack([ends[2], ends[0]])).value.tolist() == [-1, 0]


def test_solution_best_prefers_the_fastest_win_and_the_slowest_loss():
    values = np.array([[1, 1, -1, ILLEGAL], [-1, -1, -1, -1], [0, -1, 0, ILLEGAL], [1, 1, 0, 0]], np.int8)
    distances = np.array([[5, 3, 2, -1], [2, 6, 4, 6], [9, 2, 9, -1], [1, -1, 4, 4]], np.int16)
    solution = Solution(values, distances, *position_values(values, distances))
    assert solution.value.tolist() == [1, -1, 0, 1] and solution.distance.tolist() == [3, 6, 9, -1]
    assert solution.optimal().tolist()[0] == [True, True, False, False]
    best = [
        [False, True, False, False],
        [False, True, False, True],
        [True, False, True, False],
        [True, True, False, False],
    ]
    assert solution.best().tolist() == best  # row 3: a distance is unknown, so every winning move


@pytest.mark.parametrize(
    ("make_solver", "message"),
    [
        (lambda: ConnectFourSolver(make("connect_four", rows=12, columns=12)), "64"),
        (lambda: ConnectFourSolver(make("hex", board_size=4)), "connect_four"),
        (lambda: HexSolver(make("hex", board_size=5, swap=True)), "swap"),
        (lambda: HexSolver(make("hex", board_size=9)), "board_size"),
        (lambda: TicTacToeSolver(make("gomoku")), "tic_tac_toe"),
        (lambda: solver_for(make("othello")), "solved games"),
    ],
)
def test_solvers_refuse_other_games_and_parameters(make_solver, message):
    with pytest.raises(ValueError, match=message):
        make_solver()


def test_a_solver_refuses_states_of_another_game_or_size():
    solver = ConnectFourSolver(make("connect_four", rows=4, columns=4))
    with pytest.raises(ValueError, match="another game or size"):
        solver.solve(make("connect_four", rows=4, columns=5).init(1))
    with pytest.raises(ValueError, match="another game or size"):
        solver.solve(make("hex", board_size=4).init(1))


def test_the_7x6_solver_names_the_extra_when_bitbully_is_missing(monkeypatch):
    import importlib

    from boardzoo.agents.solvers import bitbully_solver

    real = importlib.import_module

    def no_bitbully(name, *args):
        if name == "bitbully":
            raise ImportError("No module named 'bitbully'")
        return real(name, *args)

    monkeypatch.setattr(bitbully_solver.importlib, "import_module", no_bitbully)
    with pytest.raises(ImportError, match=r"boardzoo\[solvers\]"):
        solver_for(make("connect_four"))


@pytest.mark.parametrize(("size", "plies"), [(3, (0, 6)), (4, (2, 10)), (5, (6, 14))])
def test_hex_sample_best_plays_only_and_every_best_move(size, plies):
    # The fast path proves moves in a random order up to the first winner; its moves must be
    # exactly the best moves of the full solution (every winning move of a won position can come
    # up, every legal move of a lost one), and finished rows get -1, as the default path.
    game = make("hex", board_size=size)
    solver = HexSolver(game)
    states = random_positions(game, 12, plies, np.random.default_rng(size))
    best = solver.solve(states).best()
    seen = np.zeros_like(best)
    rng = np.random.default_rng(0)
    for _ in range(300):  # a move among up to 25 is missed with probability < 1e-5
        moves = solver.sample_best(states, rng)
        assert best[np.arange(12), moves].all()
        seen[np.arange(12), moves] = True
    assert (seen == best).all()
    finished = game.init(1)
    for row in range(size):  # x fills the first column (top to bottom), o the last one
        for cell in (row * size, row * size + size - 1):
            if not finished.done[0]:
                finished = game.step(finished, np.array([cell]))
    assert solver.sample_best(finished, rng).tolist() == [-1] == Solver.sample_best(solver, finished, rng).tolist()
