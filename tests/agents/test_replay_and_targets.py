"""Replay window and sampling, value targets on hand-made trajectories, and self-play records."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from boardzoo.agents.search import uniform_evaluator
from boardzoo.agents.training.expert_iteration.replay import ReplayBuffer
from boardzoo.agents.training.expert_iteration.selfplay import SelfPlay, SelfPlayConfig
from boardzoo.agents.training.positions import Positions
from boardzoo.agents.training.targets import mixed_value_target, outcome_targets, scheduled_q_ratio
from boardzoo.envs import make


def game_positions(length: int, tag: float) -> Positions:
    # Positions whose observation holds `tag` (to tell games apart) and whose q holds the ply.
    return Positions(
        np.full((length, 1, 1, 2), tag, np.float32),
        np.ones((length, 3), bool),
        np.full((length, 3), 1 / 3, np.float32),
        np.zeros(length, np.float32),
        np.arange(length, dtype=np.float32),
    )


def test_the_window_drops_the_oldest_positions_first():
    buffer = ReplayBuffer(10, (1, 1, 2), 3)
    for tag, length in enumerate([4, 4, 4]):
        buffer.add_game(game_positions(length, tag))
    assert len(buffer) == 10 and buffer.positions_added == 12 and buffer.games_added == 3
    assert buffer.num_games == 3  # the first game lost two positions but keeps two
    sample = buffer.sample(2000, np.random.default_rng(0))
    tags, plies = sample.observation[:, 0, 0, 0], sample.q
    assert set(plies[tags == 0].tolist()) == {2.0, 3.0}  # its first two plies were overwritten
    assert set(tags.tolist()) == {0.0, 1.0, 2.0}
    with pytest.raises(ValueError, match="does not fit a buffer of capacity 10"):
        buffer.add_game(game_positions(11, 9))


def test_sampling_by_game_weights_games_equally_and_by_position_weights_long_games():
    buffer = ReplayBuffer(100, (1, 1, 2), 3)
    buffer.add_game(game_positions(40, 0))
    buffer.add_game(game_positions(10, 1))
    rng = np.random.default_rng(0)
    by_position = buffer.sample(20_000, rng, by="position").observation[:, 0, 0, 0]
    by_game = buffer.sample(20_000, rng, by="game").observation[:, 0, 0, 0]
    assert abs((by_position == 1).mean() - 0.2) < 0.02
    assert abs((by_game == 1).mean() - 0.5) < 0.02
    with pytest.raises(ValueError, match="by must be one of"):
        buffer.sample(1, rng, by="episode")


def test_buffer_state_round_trip_samples_the_same():
    buffer = ReplayBuffer(10, (1, 1, 2), 3)
    for tag, length in enumerate([4, 5, 3]):
        buffer.add_game(game_positions(length, tag))
    restored = ReplayBuffer(10, (1, 1, 2), 3)
    restored.load_state_arrays(buffer.state_arrays())
    for by in ("position", "game"):
        a = buffer.sample(50, np.random.default_rng(1), by=by)
        b = restored.sample(50, np.random.default_rng(1), by=by)
        np.testing.assert_array_equal(a.observation, b.observation)
        np.testing.assert_array_equal(a.q, b.q)
    restored.add_game(game_positions(4, 7))
    buffer.add_game(game_positions(4, 7))
    np.testing.assert_array_equal(
        buffer.sample(50, np.random.default_rng(2), by="game").q,
        restored.sample(50, np.random.default_rng(2), by="game").q,
    )


def test_outcome_and_mixed_targets_on_a_hand_made_trajectory():
    # Five plies, players alternating from 0; player 1 won (returns -1, +1).
    players = np.array([0, 1, 0, 1, 0])
    z = outcome_targets(players, np.array([-1.0, 1.0]))
    np.testing.assert_array_equal(z, [-1, 1, -1, 1, -1])
    q = np.array([0.1, 0.3, -0.5, 0.9, -1.0], np.float32)
    np.testing.assert_allclose(mixed_value_target(z, q, 0.0), z)
    np.testing.assert_allclose(mixed_value_target(z, q, 1.0), q)
    np.testing.assert_allclose(mixed_value_target(z, q, 0.25), 0.75 * z + 0.25 * q, rtol=1e-6)
    assert scheduled_q_ratio(0.0, 0.5, 0.5) == 0.25 and scheduled_q_ratio(0.2, 0.2, 0.9) == 0.2
    with pytest.raises(ValueError, match=r"q_ratio must be in \[0, 1\], got 1.5"):
        mixed_value_target(z, q, 1.5)


@pytest.mark.parametrize("algorithm", ["gumbel", "puct"])
def test_selfplay_records_full_search_positions_with_outcomes_from_each_movers_view(algorithm):
    game = make("tic_tac_toe")
    config = SelfPlayConfig(
        batch_size=8, algorithm=algorithm, simulations=8, cheap_simulations=2, full_search_fraction=0.5
    )
    selfplay = SelfPlay(game, uniform_evaluator(game), config, np.random.default_rng(0))
    games = []
    while len(games) < 20:
        games += selfplay.play_move()
    assert 0.3 < selfplay.full_moves / selfplay.moves < 0.7
    for positions in games:
        # Own stones are plane 0, so the mover is player 0 exactly when the stone counts are equal.
        own, other = positions.observation[:, 0].sum(axis=(1, 2)), positions.observation[:, 1].sum(axis=(1, 2))
        mover_is_first = own == other
        assert np.all(np.abs(positions.z) <= 1) and np.all(np.isin(positions.z, [-1, 0, 1]))
        # z flips sign between the two players' positions: from player 0's view it is one value.
        z_first = np.where(mover_is_first, positions.z, -positions.z)
        assert np.all(z_first == z_first[0])
        np.testing.assert_allclose(positions.policy.sum(axis=1), 1.0, rtol=1e-5)
        assert not np.any(positions.policy[~positions.legal] > 0)
        assert np.all(np.abs(positions.q) <= 1)


def test_random_openings_start_games_at_varied_plies_and_are_not_recorded():
    game = make("tic_tac_toe")
    config = SelfPlayConfig(batch_size=64, simulations=4, cheap_simulations=2, full_search_fraction=1.0)
    plain = SelfPlay(game, uniform_evaluator(game), config, np.random.default_rng(0))
    assert (plain.state.step_count == 0).all()
    opened = SelfPlay(
        game,
        uniform_evaluator(game),
        dataclasses.replace(config, random_opening_moves=4),
        np.random.default_rng(0),
    )
    assert set(opened.state.step_count.tolist()) == {0, 1, 2, 3, 4} and not opened.state.done.any()
    games = []
    while len(games) < 200:
        games += opened.play_move()
    for positions in games:
        stones = positions.observation[:, :2].sum(axis=(1, 2, 3))
        # Every recorded game is a run of consecutive plies, each position searched; its first
        # recorded ply is where its opening ended (0 to 4 random stones on the board).
        np.testing.assert_array_equal(np.diff(stones), 1)
        assert 0 <= stones[0] <= 4
    assert len({int(p.observation[0, :2].sum()) for p in games}) == 5


def test_random_openings_must_be_a_count():
    with pytest.raises(ValueError, match="random_opening_moves"):
        SelfPlayConfig(random_opening_moves=-1)
