"""Elo fitting recovers known ratings; the arena alternates seats, counts draws and logs games."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.agents.evaluation.arena import Arena, ratings_from_records
from boardzoo.agents.evaluation.ratings import fit_elo, rate
from boardzoo.agents.players import RandomPlayer, UCTPlayer, player_from_spec
from boardzoo.envs import make

from .test_play_and_match import FirstLegal


def synthetic_games(true_elo: np.ndarray, games_per_pair: int, draw_rate: float, rng: np.random.Generator):
    first, second, score = [], [], []
    for i in range(true_elo.size):
        for j in range(i + 1, true_elo.size):
            p_win = 1 / (1 + 10 ** ((true_elo[j] - true_elo[i]) / 400))
            for _ in range(games_per_pair):
                # Draws take draw_rate of the mass, split so the expected score stays p_win.
                u = rng.random()
                draw = u < draw_rate * min(p_win, 1 - p_win) * 2
                s = (
                    0.5
                    if draw
                    else float(
                        rng.random()
                        < (p_win - 0.5 * draw_rate * min(p_win, 1 - p_win) * 2)
                        / (1 - draw_rate * min(p_win, 1 - p_win) * 2)
                    )
                )
                first.append(i)
                second.append(j)
                score.append(s)
    return np.array(first), np.array(second), np.array(score)


def test_fit_recovers_known_ratings_within_their_intervals():
    true_elo = np.array([0.0, 150.0, 400.0, 650.0, 800.0])
    rng = np.random.default_rng(0)
    first, second, score = synthetic_games(true_elo, 300, draw_rate=0.2, rng=rng)
    assert 0 < (score == 0.5).mean() < 0.3
    ratings = rate([f"p{i}" for i in range(5)], first, second, score, anchor="p0", bootstrap=100, prior_draws=0)
    assert ratings.elo[0] == 0
    inside = (ratings.low <= true_elo) & (true_elo <= ratings.high)
    assert inside[1:].sum() >= 3, (ratings.elo, ratings.low, ratings.high)  # 95% intervals: most contain the truth
    np.testing.assert_allclose(ratings.elo, true_elo, atol=60)
    assert np.all(ratings.high - ratings.low < 150)


def test_draws_count_half_and_even_results_give_equal_ratings():
    # 10 draws between two players: equal ratings; 3 wins + 1 loss: 75% expected score.
    elo = fit_elo(np.zeros(10, int), np.ones(10, int), np.full(10, 0.5), 2, prior_draws=0)
    assert elo[1] == pytest.approx(0.0, abs=1e-9)
    elo = fit_elo(np.zeros(4, int), np.ones(4, int), np.array([1, 1, 1, 0.0]), 2, prior_draws=0)
    assert elo[1] == pytest.approx(-400 * np.log10(3), abs=1e-6)
    # A perfect score has no finite maximum; the virtual draws keep it finite and ordered.
    elo = fit_elo(np.zeros(20, int), np.ones(20, int), np.ones(20), 2, prior_draws=1)
    assert np.isfinite(elo).all() and elo[1] < -400
    with pytest.raises(ValueError, match="scores must be in"):
        fit_elo(np.zeros(1, int), np.ones(1, int), np.array([2.0]), 2)


def test_arena_alternates_seats_logs_games_and_rates_them(tmp_path):
    game = make("tic_tac_toe")
    arena = Arena(game, tmp_path / "log.jsonl")
    rng = np.random.default_rng(0)
    result = arena.play("first_legal", FirstLegal(), "first_legal_too", FirstLegal(), 4, rng)
    np.testing.assert_array_equal(result.seat_a, [0, 1, 0, 1])
    np.testing.assert_array_equal(result.outcome, [1, -1, 1, -1])  # the first mover wins this line
    arena.play("uct50", UCTPlayer(game, simulations=50), "random", RandomPlayer(), 20, rng)
    records = arena.records()
    assert len(records) == 24 and {r["seat_a"] for r in records} == {0, 1}
    ratings = arena.ratings(bootstrap=20)
    table = ratings.as_dict()
    assert table["random"]["elo"] == 0 and table["uct50"]["elo"] > 100
    assert table["first_legal"]["score"] == 0.5 and table["first_legal"]["games"] == 4
    assert "| uct50 |" in ratings.markdown()
    with pytest.raises(ValueError, match="anchor 'nobody' has played no game"):
        ratings_from_records(records, anchor="nobody")


def test_draws_in_the_arena_score_half():
    from .minimax import MinimaxPlayer

    game = make("tic_tac_toe")
    records = []
    arena = Arena(game, "/dev/null")
    result = arena.play("perfect", MinimaxPlayer(), "perfect_too", MinimaxPlayer(), 6, np.random.default_rng(0))
    assert result.draws == 6 and result.score == 0.5
    for i in range(6):
        records.append({"a": "perfect", "b": "random", "outcome_a": 0.0, "seat_a": i % 2, "game": repr(game)})
    ratings = ratings_from_records(records, bootstrap=0)
    assert ratings.as_dict()["perfect"]["elo"] == pytest.approx(0.0, abs=1e-6)


def test_player_specs():
    game = make("connect_four")
    assert isinstance(player_from_spec(game, "random"), RandomPlayer)
    assert player_from_spec(game, "uct:30").config.simulations == 30
    with pytest.raises(ValueError, match="bad player spec 'mcts'"):
        player_from_spec(game, "mcts")


def test_round_robin_tops_pairs_up_instead_of_replaying_them(tmp_path):
    game = make("tic_tac_toe")
    arena = Arena(game, tmp_path / "log.jsonl")
    players = {"random": RandomPlayer(), "first": FirstLegal(), "uct5": UCTPlayer(game, simulations=5)}
    arena.round_robin(players, 2, np.random.default_rng(0))
    assert len(arena.records()) == 3 * 2
    arena.round_robin(players, 3, np.random.default_rng(1))
    records = arena.records()
    assert len(records) == 3 * 3
    pairs = {frozenset((r["a"], r["b"])) for r in records}
    assert len(pairs) == 3
