"""Perfect play as a yardstick: the perfect player never lets a won position go, the metrics on
hand-made positions, the standard position sets (reproducible, cached, labelled), the `perfect`
player specs and `boardzoo evaluate`."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from boardzoo.agents.evaluation.evaluate import EvaluateConfig
from boardzoo.agents.ground_truth import positions as position_sets
from boardzoo.agents.ground_truth.perfect_play import evaluate_player, score_moves
from boardzoo.agents.ground_truth.positions import PositionSet, generate_positions, standard_positions
from boardzoo.agents.players import NetworkPlayer, PerfectPlayer, RandomPlayer, UCTPlayer, parse_spec, player_from_spec
from boardzoo.agents.solvers import solver_for
from boardzoo.envs import make

GAMES = [
    ("tic_tac_toe", {}),
    ("connect_four", {"rows": 4, "columns": 4}),
    ("connect_four", {"rows": 4, "columns": 5}),
    ("hex", {"board_size": 3}),
    ("hex", {"board_size": 4}),
]


def _openings(game, solver, count, rng):
    # `count` won and up to `count` // 2 drawn positions for the mover, after 1..5 random moves.
    state = game.init(20 * count)
    lengths = rng.integers(1, 6, state.batch_size)
    for ply in range(5):
        state = game.step(state, RandomPlayer().act(state, rng), where=lengths > ply)
    state = state.take(~state.done)
    value = solver.solve(state).value
    won, drawn = np.flatnonzero(value == 1)[:count], np.flatnonzero(value == 0)[: count // 2]
    assert len(won) == count
    return state.take(np.concatenate([won, drawn])), np.concatenate([value[won], value[drawn]])


def _play_out(game, state, seat, perfect, opponent, rng):
    # Play every row to the end, `perfect` in seat[b]; the perfect player's results.
    result = np.zeros(state.batch_size)
    rows = np.arange(state.batch_size)
    while not state.done.all():
        ours = perfect.act(state, rng)
        theirs = opponent.act(state, rng)
        state = game.step(state, np.where(state.current_player == seat, ours, theirs))
        result += state.rewards[rows, seat]
    return result


@pytest.mark.parametrize(("game_id", "params"), GAMES, ids=[f"{g}{p}" for g, p in GAMES])
def test_the_perfect_player_wins_every_won_position_and_never_loses_a_drawn_one(game_id, params):
    game = make(game_id, **params)
    rng = np.random.default_rng(11)
    perfect = PerfectPlayer(game)
    for opponent, count in ((RandomPlayer(), 100), (UCTPlayer(game, simulations=32), 30)):
        start, value = _openings(game, perfect.solver, count, rng)
        result = _play_out(game, start, start.current_player.copy(), perfect, opponent, rng)
        assert (result[value == 1] == 1).all(), f"a won position was not won against {type(opponent).__name__}"
        assert (result[value == 0] >= 0).all()


def _tic_tac_toe_set():
    # Position 0: x to move wins only at c1 (b3 draws, the rest lose). Position 1: x to move
    # draws only with b1 (every other move loses).
    game = make("tic_tac_toe")
    moves = np.full((2, 9), -1, np.int16)
    moves[0, :4] = (0, 3, 1, 4)
    moves[1, :4] = (4, 0, 8, 2)
    plies = np.array([4, 4], np.int16)
    solution = solver_for(game).solve(position_sets.replay(game, moves, plies))
    return PositionSet(game, "random", moves, plies, solution.values, solution.distances)


class FixedPlayer:
    def __init__(self, actions):
        self.actions = np.array(actions)

    def act(self, state, rng):
        return self.actions[: state.batch_size].copy()


def test_the_positions_are_what_the_metrics_tests_assume():
    positions = _tic_tac_toe_set()
    assert positions.value.tolist() == [1, 0]
    assert np.flatnonzero(positions.values[0] == 1).tolist() == [2]
    assert np.flatnonzero(positions.values[1] == 0).tolist() == [1]


@pytest.mark.parametrize(
    ("actions", "accuracy", "blunders", "won_blunders"),
    [((2, 1), 1.0, 0.0, 0.0), ((5, 3), 0.0, 1.0, 1.0), ((6, 1), 0.5, 0.5, 1.0)],
)
def test_accuracy_and_blunders_on_hand_made_positions(actions, accuracy, blunders, won_blunders):
    report = evaluate_player(FixedPlayer(actions), [_tic_tac_toe_set()], np.random.default_rng(0), name="fixed")
    assert report.accuracy == accuracy
    assert report.row("all").blunders == blunders
    assert report.row("won").blunders == won_blunders
    assert report.row("all").value_accuracy is None
    assert "| all | 2 |" in report.markdown()


def test_exact_accuracy_wants_the_fastest_win():
    positions = _tic_tac_toe_set()
    scores = score_moves(positions.values, positions.distances, np.array([2, 1]))
    assert scores.optimal.all() and scores.exact.all() and not scores.blunder.any()
    with pytest.raises(ValueError, match="illegal action 0"):
        score_moves(positions.values, positions.distances, np.array([0, 1]))


class ConstantValue(torch.nn.Module):
    def __init__(self, value: float, actions: int) -> None:
        super().__init__()
        self.value, self.actions = value, actions
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, observation):
        batch = observation.shape[0]
        return torch.zeros(batch, self.actions), torch.full((batch,), self.value)


@pytest.mark.parametrize(("value", "accuracy"), [(0.9, 0.5), (0.0, 0.5), (-0.9, 0.0)])
def test_value_accuracy_of_a_network(value, accuracy):
    game = make("tic_tac_toe")
    player = NetworkPlayer(game, ConstantValue(value, 9))
    report = evaluate_player(player, [_tic_tac_toe_set()], np.random.default_rng(0))
    assert report.row("all").value_accuracy == accuracy


def test_position_sets_are_reproducible_stratified_and_labelled():
    game = make("connect_four", rows=4, columns=4)
    first = generate_positions(game, "random", 60, seed=3)
    again = generate_positions(game, "random", 60, seed=3)
    other = generate_positions(game, "random", 60, seed=4)
    np.testing.assert_array_equal(first.moves, again.moves)
    assert not np.array_equal(first.moves, other.moves)
    bands = np.digitize(first.plies, np.linspace(0, 16, 7).round()[1:-1])
    assert np.bincount(bands, minlength=6).tolist() == [10] * 6
    cells = game.cells_fn(first.states()).reshape(60, -1)
    assert len({row.tobytes() for row in cells}) == 60  # no position twice
    solution = solver_for(game).solve(first.states())
    np.testing.assert_array_equal(first.values, solution.values)
    strong = generate_positions(game, "strong", 30, seed=3)
    assert strong.kind == "strong" and strong.epsilon == 0.2 and len(strong) == 30


def test_standard_sets_are_cached_as_plain_npz(tmp_path, monkeypatch):
    monkeypatch.setenv("BOARDZOO_CACHE", str(tmp_path))
    game = make("hex", board_size=3)
    made = standard_positions(game, "strong", count=40)
    (path,) = (tmp_path / "positions").iterdir()
    assert path.suffix == ".npz"
    monkeypatch.setattr(position_sets, "generate_positions", lambda *a, **k: pytest.fail("not read from the cache"))
    loaded = standard_positions(game, "strong", count=40)
    np.testing.assert_array_equal(made.values, loaded.values)
    with np.load(path, allow_pickle=False) as data:
        assert set(data.files) == {"meta", "moves", "plies", "values", "distances"}
    with pytest.raises(ValueError, match="holds positions of hex"):
        PositionSet.load(path, make("hex", board_size=4))


def test_perfect_player_specs():
    assert parse_spec("perfect") == ("perfect", "0", 0)
    assert parse_spec("perfect:0.25") == ("perfect", "0.25", 0)
    game = make("tic_tac_toe")
    player = player_from_spec(game, "perfect:0.1")
    assert isinstance(player, PerfectPlayer) and player.epsilon == 0.1
    for bad in ("perfect:", "perfect:1.5", "perfect:-0.1", "perfect:x", "perfect:nan"):
        with pytest.raises(ValueError, match=r"eps in \[0, 1\]"):
            parse_spec(bad, "players")
    with pytest.raises(ValueError, match="no perfect-play solver"):
        player_from_spec(make("othello"), "perfect")


def test_symmetry_averaged_player_specs():
    assert parse_spec("search-sym:connect_four:32") == ("search-sym", "connect_four", 32)
    assert parse_spec("network-sym:runs/c4") == ("network-sym", "runs/c4", 0)
    game = make("connect_four")
    network = player_from_spec(game, "network-sym:connect_four")
    searched = player_from_spec(game, "search-sym:connect_four:8")
    assert isinstance(network, NetworkPlayer) and network.evaluator.average_symmetries
    assert searched.evaluator.average_symmetries and searched.config.simulations == 8
    assert not player_from_spec(game, "search:connect_four:8").evaluator.average_symmetries
    for bad in ("search-sym", "network-sym:", "sym:connect_four"):
        with pytest.raises(ValueError, match="bad player spec"):
            parse_spec(bad, "players")


def test_perfect_with_epsilon_one_plays_uniformly_and_zero_only_best_moves():
    game = make("tic_tac_toe")
    state = game.init(400)
    actions = PerfectPlayer(game, epsilon=1.0).act(state, np.random.default_rng(0))
    assert len(set(actions.tolist())) == 9
    best = PerfectPlayer(game).act(game.init(50), np.random.default_rng(0))
    assert set(best.tolist()) == set(range(9))  # every first move of tic-tac-toe draws


def test_evaluate_config_refuses_bad_settings():
    with pytest.raises(ValueError, match="player"):
        EvaluateConfig(player="perfect:2")
    with pytest.raises(ValueError, match="solved game"):
        EvaluateConfig(game="othello")
    with pytest.raises(ValueError, match="sets"):
        EvaluateConfig(sets=("random", "random"))


def test_boardzoo_evaluate_prints_the_report(tmp_path):
    command = [sys.executable, "-m", "boardzoo.agents.cli", "evaluate", "tic_tac_toe", "perfect:0.2", "--count", "40"]
    env = os.environ | {"BOARDZOO_CACHE": str(tmp_path)}
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert "Perfect-play scores of perfect:0.2" in result.stdout and "| all | 80 |" in result.stdout
    bad = subprocess.run([*command[:5], "perfect:3"], capture_output=True, text=True, timeout=300, env=env)
    assert bad.returncode == 2 and "eps in [0, 1]" in bad.stderr


@pytest.mark.slow
def test_the_7x6_standard_sets_are_600_random_and_400_strong_positions(tmp_path, monkeypatch):
    pytest.importorskip("bitbully")
    monkeypatch.setenv("BOARDZOO_CACHE", str(tmp_path))
    game = make("connect_four")
    random_set, strong_set = standard_positions(game, "random"), standard_positions(game, "strong")
    assert (len(random_set), len(strong_set)) == (600, 400)
    assert (random_set.values != -128).any(axis=1).all() and (strong_set.distances >= 0).any()
