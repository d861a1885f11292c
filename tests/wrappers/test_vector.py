"""Vector envs over the batched kernel: autoreset semantics, agreement with the single env,
SB3 VecEnv contract, and MaskablePPO smoke runs that never play an illegal move."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode
from sb3_contrib import MaskablePPO
from sb3_contrib.common.maskable.utils import get_action_masks, is_masking_supported

from boardzoo.envs import IllegalActionError, make, sample_legal_actions
from boardzoo.wrappers.gymnasium import BoardGameEnv
from boardzoo.wrappers.sb3 import BoardGameVecEnv
from boardzoo.wrappers.vector import BoardGameVectorEnv


def first_legal(mask: np.ndarray) -> np.ndarray:
    return mask.argmax(axis=1).astype(np.int64)


def lowest_legal(state, rng) -> np.ndarray:
    """An opponent that plays its lowest legal action."""
    return first_legal(state.legal_action_mask)


def test_next_step_autoreset_matches_gymnasium_semantics():
    env = BoardGameVectorEnv("tic_tac_toe", 4, opponent=lowest_legal)
    obs, info = env.reset(seed=0)
    assert obs.shape == (4, 2, 3, 3) and info["action_mask"].shape == (4, 9)
    previous = np.zeros(4, dtype=bool)
    done_seen = False
    for _ in range(12):
        obs, reward, terminated, truncated, info = env.step(first_legal(info["action_mask"]))
        if done_seen:  # the step after an episode ended is the reset step
            assert (reward[previous] == 0).all() and not terminated[previous].any()
            assert (obs[previous].sum(axis=(1, 2, 3)) == 0).all()  # fresh boards, learner seat 0
        previous = terminated | truncated
        done_seen = previous.any()
    assert env.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP


def test_same_step_autoreset_reports_final_observation():
    env = BoardGameVectorEnv("tic_tac_toe", 3, autoreset_mode="SameStep", opponent=lowest_legal)
    _, info = env.reset(seed=0)
    # learner plays 4, 8, 2 ... the first-legal opponent takes 0, 1: learner wins on 6 at step 4
    for action in (4, 8, 2):
        _, reward, terminated, _, info = env.step(np.full(3, action))
        assert not terminated.any()
    obs, reward, terminated, _, info = env.step(np.full(3, 6))
    assert terminated.all() and (reward == 1).all()
    assert info["_final_obs"].all() and info["final_obs"][0, 0].sum() == 4  # our four stones
    assert (obs.sum(axis=(1, 2, 3)) == 0).all() and info["action_mask"].all()  # already reset


@pytest.mark.parametrize("seat", [0, 1])
def test_vector_env_equals_single_envs(seat):
    """B vector rows behave like B single-agent envs fed the same actions and opponent."""
    game = make("connect_four")
    opponent = lowest_legal
    vector = BoardGameVectorEnv(game, 5, opponent=opponent, learner_seat=seat)
    singles = [BoardGameEnv(game, opponent=opponent, learner_seat=seat) for _ in range(5)]
    obs, info = vector.reset(seed=1)
    single_obs = [e.reset(seed=1)[0] for e in singles]
    rng = np.random.default_rng(0)
    for _ in range(15):
        np.testing.assert_array_equal(obs, np.stack(single_obs))
        actions = sample_legal_actions(info["action_mask"].astype(bool), rng)
        obs, reward, terminated, _, info = vector.step(np.maximum(actions, 0))
        results = [e.step(int(a)) for e, a in zip(singles, actions, strict=True)]
        single_obs = [r[0] for r in results]
        np.testing.assert_array_equal(reward, [r[1] for r in results])
        np.testing.assert_array_equal(terminated, [r[2] for r in results])
        if terminated.any():
            break


def test_vector_env_bad_inputs():
    with pytest.raises(ValueError, match="num_envs must be a positive int, got 0"):
        BoardGameVectorEnv("hex", 0)
    env = BoardGameVectorEnv("hex", 2, board_size=5)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"actions must have shape \(2,\), got \(3,\)"):
        env.step(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="actions must be integers in 0..24, got dtype float64"):
        env.step(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="autoreset_mode"):
        BoardGameVectorEnv("hex", 2, autoreset_mode="Disabled")


def test_vector_envs_advance_and_reset_their_state_in_place():
    # The batch owns its state: no new state arrays per step (or autoreset), the same games.
    for env in (BoardGameVectorEnv("tic_tac_toe", 8), BoardGameVecEnv("tic_tac_toe", 8, seed=0)):
        env.reset(seed=0) if isinstance(env, BoardGameVectorEnv) else env.reset()
        state = env._games.state
        arrays = [id(v) for v in state.__dict__.values()]
        for _ in range(12):  # several games end and restart in every row
            env.step(first_legal(env.action_masks()))
        assert env._games.state is state and [id(v) for v in state.__dict__.values()] == arrays


def test_illegal_action_lose_raises_on_out_of_range_before_changing_anything():
    env = BoardGameVectorEnv("tic_tac_toe", 3, illegal_action="lose", opponent=lowest_legal)
    env.reset(seed=0)
    env.step(np.array([4, 4, 4]))
    before = env._games.state.copy()
    with pytest.raises(IllegalActionError, match="action 9 in row 2 is out of range"):
        env.step(np.array([4, 1, 9]))  # row 0 would forfeit, row 1 would move
    for name, value in before.__dict__.items():
        np.testing.assert_array_equal(env._games.state.__dict__[name], value, err_msg=name)
    _, reward, terminated, _, _ = env.step(np.array([4, 1, 2]))
    assert reward[0] == -1.0 and terminated.tolist()[0]


def test_game_parameters_need_a_game_id():
    with pytest.raises(ValueError, match=r"game parameters \['board_size'\] need a game id"):
        BoardGameVectorEnv(make("hex"), 2, board_size=5)


def test_sb3_vec_env_contract():
    env = BoardGameVecEnv("connect_four", 6, learner_seat=None, seed=3)
    assert is_masking_supported(env)
    obs = env.reset()
    assert obs.shape == (6, 2, 6, 7)
    masks = get_action_masks(env)
    assert masks.shape == (6, 7) and masks.dtype == np.bool_
    rng = np.random.default_rng(0)
    finished = 0
    for _ in range(40):
        obs, rewards, dones, infos = env.step(sample_legal_actions(get_action_masks(env), rng))
        for i in np.flatnonzero(dones):
            finished += 1
            assert infos[i]["terminal_observation"].shape == (2, 6, 7)
            assert infos[i]["TimeLimit.truncated"] is False
            assert rewards[i] in (-1.0, 0.0, 1.0)
        assert not rewards[~dones].any()
    assert finished > 0
    assert env.get_attr("num_envs") == [6] * 6 and env.env_is_wrapped(gymnasium.Wrapper) == [False] * 6
    with pytest.raises(AttributeError, match="supports env_method\\('action_masks'\\) only"):
        env.env_method("render")


def test_sb3_vec_env_seed_reproduces_games():
    def episode(seed: int) -> list:
        env = BoardGameVecEnv("hex", 4, learner_seat=None, seed=0, board_size=5)
        env.seed(seed)
        obs = [env.reset()]
        for _ in range(5):
            env.step_async(first_legal(env.action_masks()))
            obs.append(env.step_wait()[0])
        return obs

    np.testing.assert_array_equal(episode(11), episode(11))
    assert not all(np.array_equal(a, b) for a, b in zip(episode(11), episode(12), strict=True))


class CountingVecEnv(BoardGameVecEnv):
    """Counts learner moves that were legal when played (illegal ones would raise anyway)."""

    legal_moves = 0

    def step_async(self, actions):
        mask = self.action_masks()
        assert mask[np.arange(self.num_envs), actions].all(), "MaskablePPO played an illegal move"
        CountingVecEnv.legal_moves += self.num_envs
        super().step_async(actions)


@pytest.mark.parametrize(
    ("game_id", "params"),
    [
        ("connect_four", {}),
        ("tic_tac_toe", {}),
        ("hex", {"board_size": 5}),
        ("othello", {"board_size": 6}),
        ("gomoku", {"board_size": 9}),
        ("breakthrough", {"rows": 6, "columns": 6}),
        ("go", {"board_size": 5}),
    ],
)
def test_maskable_ppo_on_our_vec_env_never_plays_illegal_moves(game_id, params):
    CountingVecEnv.legal_moves = 0
    env = CountingVecEnv(game_id, 16, learner_seat=None, seed=0, **params)
    model = MaskablePPO(
        "MlpPolicy", env, n_steps=64, batch_size=256, n_epochs=2, seed=0, policy_kwargs={"net_arch": [32]}
    )
    model.learn(total_timesteps=2048)
    assert CountingVecEnv.legal_moves >= 2048


def test_maskable_ppo_on_gymnasium_make_never_plays_illegal_moves():
    env = gymnasium.make("boardzoo/ConnectFour-v0", learner_seat=None)  # illegal moves raise
    model = MaskablePPO(
        "MlpPolicy", env, n_steps=512, batch_size=128, n_epochs=2, seed=0, policy_kwargs={"net_arch": [32]}
    )
    model.learn(total_timesteps=2048)
    assert model.num_timesteps >= 2048


def test_make_vec_uses_the_batched_kernel():
    import boardzoo.wrappers.gymnasium  # noqa: F401  (registers the ids)

    env = gymnasium.make_vec("boardzoo/Hex-v0", num_envs=8, board_size=5, learner_seat=None)
    assert isinstance(env, BoardGameVectorEnv) and env.num_envs == 8
    obs, info = env.reset(seed=0)
    assert obs.shape == (8, 3, 5, 5) and set(info["learner_seat"]) <= {0, 1}
