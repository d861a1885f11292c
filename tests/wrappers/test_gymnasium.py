"""The single-agent Gymnasium env: the Gymnasium and SB3 checkers, seats, masks, opponents."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gymnasium_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

from boardzoo.envs import IllegalActionError
from boardzoo.wrappers.gymnasium import GYMNASIUM_IDS, BoardGameEnv


@pytest.mark.parametrize("env_id", sorted(GYMNASIUM_IDS))
@pytest.mark.parametrize("learner_seat", [0, 1, None])
def test_gymnasium_and_sb3_checkers(env_id, learner_seat):
    # Both checkers step with unmasked action_space.sample(), so illegal moves must forfeit.
    kwargs = {"illegal_action": "lose", "learner_seat": learner_seat}
    gymnasium_check_env(gymnasium.make(env_id, **kwargs).unwrapped)
    sb3_check_env(gymnasium.make(env_id, **kwargs))


def test_hex_board_size_kwarg():
    env = gymnasium.make("boardzoo/Hex-v0", board_size=7)
    obs, info = env.reset(seed=0)
    assert obs.shape == (3, 7, 7) and info["action_mask"].shape == (49,)
    with pytest.raises(ValueError, match="board_size=25 is out of range; allowed: 2..19"):
        gymnasium.make("boardzoo/Hex-v0", board_size=25)


def test_learner_seat_one_sees_the_opponents_opening_move():
    env = BoardGameEnv("connect_four", learner_seat=1)
    obs, info = env.reset(seed=0)
    assert info["learner_seat"] == 1
    assert obs[0].sum() == 0 and obs[1].sum() == 1  # one opponent stone, none of ours
    assert info["action_mask"].dtype == np.int8 and env.action_masks().dtype == np.bool_


def test_random_seat_uses_both_seats_and_is_seeded():
    env = BoardGameEnv("tic_tac_toe", learner_seat=None)
    seats = [env.reset(seed=s)[1]["learner_seat"] for s in range(40)]
    assert set(seats) == {0, 1}
    again = [env.reset(seed=s)[1]["learner_seat"] for s in range(40)]
    assert seats == again


def test_episode_rewards_are_the_learners():
    # The opponent always plays the lowest legal cell; the learner (x) wins the diagonal.
    env = BoardGameEnv("tic_tac_toe", opponent=lambda state, rng: state.legal_action_mask.argmax(axis=1))
    env.reset(seed=0)
    results = [env.step(a)[1:3] for a in (4, 8)]  # opponent replies 0, then 1
    assert results == [(0.0, False), (0.0, False)]
    reward, terminated = env.step(2)[1:3]  # opponent took 0 and 1; x has 4, 8, 2
    assert (reward, terminated) == (0.0, False)
    _, reward, terminated, truncated, info = env.step(6)  # 2-4-6 diagonal
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert not info["action_mask"].any()


def test_opponent_win_gives_minus_one():
    env = BoardGameEnv("connect_four", opponent=lambda state, rng: np.zeros(state.batch_size, np.int64))
    env.reset(seed=0)
    rewards = [env.step(a)[1] for a in (1, 2, 1)]
    _, reward, terminated, _, _ = env.step(2)  # opponent stacks column a: fourth stone wins
    assert rewards == [0.0, 0.0, 0.0] and (reward, terminated) == (-1.0, True)


def test_object_with_act_is_an_opponent():
    class LastLegal:
        def act(self, state, rng):
            return state.legal_action_mask.shape[1] - 1 - state.legal_action_mask[:, ::-1].argmax(axis=1)

    env = BoardGameEnv("tic_tac_toe", opponent=LastLegal())
    env.reset(seed=0)
    obs, *_ = env.step(0)
    assert obs[1, 2, 2] == 1  # the opponent took the last cell


def test_bad_inputs_raise_clear_errors():
    env = BoardGameEnv("tic_tac_toe")
    with pytest.raises(RuntimeError, match="call reset"):
        env.step(0)
    env.reset(seed=0)
    env.step(4)
    with pytest.raises(IllegalActionError, match=r"action 4 in row 0 \(b2\) is illegal"):
        env.step(4)
    with pytest.raises(IllegalActionError, match="out of range 0..8"):
        env.step(-1)
    with pytest.raises(ValueError, match="action must be an int in 0..8"):
        env.step(2.5)
    with pytest.raises(ValueError, match=r"learner_seat must be None \(random\) or an int in 0..1, got 2"):
        BoardGameEnv("tic_tac_toe", learner_seat=2)
    with pytest.raises(ValueError, match="unknown opponent 'minimax'"):
        BoardGameEnv("tic_tac_toe", opponent="minimax")
    with pytest.raises(ValueError, match="illegal_action must be one of"):
        BoardGameEnv("tic_tac_toe", illegal_action="ignore")


def test_illegal_action_lose_forfeits_with_minus_one():
    env = BoardGameEnv("tic_tac_toe", illegal_action="lose")
    env.reset(seed=0)
    env.step(4)
    _, reward, terminated, _, info = env.step(4)
    assert (reward, terminated) == (-1.0, True) and not info["action_mask"].any()
    env.reset(seed=0)
    with pytest.raises(IllegalActionError, match="out of range"):
        env.step(17)


def test_render_modes():
    env = BoardGameEnv("tic_tac_toe", render_mode="ansi", opponent=lambda s, r: np.full(s.batch_size, 8))
    env.reset(seed=0)
    env.step(0)
    assert env.render() == "  a b c\n1 x . .\n2 . . .\n3 . . o"
    env = gymnasium.make("boardzoo/ConnectFour-v0", render_mode="rgb_array")
    env.reset(seed=0)
    assert env.render().shape == (192, 224, 3)
