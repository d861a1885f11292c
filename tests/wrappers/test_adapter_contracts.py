"""Each adapter follows its API's contract: no keyword turns a registered id into another game,
vector envs refuse to step before reset as the single-agent env does, seeds and indices are
checked, and game parameters next to a `Game` object are refused everywhere."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest

from boardzoo.envs import IllegalActionError, make
from boardzoo.wrappers import aec_env, aec_raw_env
from boardzoo.wrappers._checks import ResetNeeded
from boardzoo.wrappers.gymnasium import BoardGameEnv
from boardzoo.wrappers.sb3 import BoardGameVecEnv
from boardzoo.wrappers.vector import BoardGameVectorEnv


@pytest.mark.parametrize("keyword", ["game_id", "game", "rows"])
def test_no_keyword_turns_a_registered_id_into_another_game(keyword):
    with pytest.raises((ValueError, TypeError), match=keyword):
        gymnasium.make("boardzoo/TicTacToe-v0", **{keyword: "hex"})
    with pytest.raises((ValueError, TypeError), match=keyword):
        gymnasium.make_vec("boardzoo/TicTacToe-v0", num_envs=2, **{keyword: "hex"})


def test_game_id_keyword_is_named_with_the_allowed_parameters():
    with pytest.raises(ValueError, match=r"connect_four: unknown parameter\(s\) \['game_id'\]; allowed: \['columns'"):
        gymnasium.make("boardzoo/ConnectFour-v0", game_id="hex")


def test_registered_ids_make_their_own_game_in_every_vectorization_mode():
    for mode in ("vector_entry_point", "sync"):
        envs = gymnasium.make_vec("boardzoo/Hex-v0", num_envs=2, vectorization_mode=mode, board_size=3)
        obs, _ = envs.reset(seed=0)
        assert obs.shape == (2, 3, 3, 3), mode
    assert gymnasium.make("boardzoo/Othello-v0", board_size=6).unwrapped.game.params == {"board_size": 6}


def test_every_adapter_refuses_game_parameters_next_to_a_game():
    game = make("hex", board_size=5)
    for build in (
        lambda: BoardGameEnv(game, board_size=7),
        lambda: BoardGameVectorEnv(game, 2, board_size=7),
        lambda: BoardGameVecEnv(game, 2, board_size=7),
        lambda: aec_raw_env(game, board_size=7),
        lambda: aec_env(game, board_size=7),
    ):
        with pytest.raises(ValueError, match=r"game parameters \['board_size'\] need a game id"):
            build()
    assert aec_raw_env(game).game is game
    with pytest.raises(TypeError, match="game must be a Game or a registered game id"):
        BoardGameEnv(None)


def test_step_before_reset_is_refused_by_every_gymnasium_style_env():
    single, vector, sb3 = (
        BoardGameEnv("tic_tac_toe"),
        BoardGameVectorEnv("tic_tac_toe", 2),
        BoardGameVecEnv("tic_tac_toe", 2),
    )
    for step in (
        lambda: single.step(0),
        lambda: vector.step(np.zeros(2, np.int64)),
        lambda: sb3.step(np.zeros(2, np.int64)),
    ):
        with pytest.raises(ResetNeeded, match=r"reset\(\)"):
            step()
    with pytest.raises(gymnasium.error.ResetNeeded):  # as gymnasium.make's order wrapper raises
        vector.step(np.zeros(2, np.int64))
    with pytest.raises(RuntimeError):
        sb3.step_async(np.zeros(2, np.int64))
    sb3.reset()
    with pytest.raises(RuntimeError, match=r"step_wait\(\) needs a step_async\(actions\) first"):
        sb3.step_wait()  # it used to play action 0 everywhere
    sb3.step_async(np.array([0, 1]))
    sb3.step_wait()
    with pytest.raises(RuntimeError, match="step_async"):
        sb3.step_wait()


def test_huge_and_negative_actions_are_out_of_range():
    env = BoardGameEnv("tic_tac_toe")
    env.reset(seed=0)
    for bad in (2**70, -1, 9, np.uint64(2**64 - 1)):
        with pytest.raises(IllegalActionError, match=rf"action {int(bad)} is out of range 0..8"):
            env.step(bad)
    vector = BoardGameVectorEnv("tic_tac_toe", 2)
    vector.reset(seed=0)
    with pytest.raises(
        ValueError, match=r"actions must hold integers of one 64-bit type .*, got 1180591620717411303424 at position 0"
    ):
        vector.step([2**70, 0])
    with pytest.raises(IllegalActionError, match="action 18446744073709551615 in row 0 is out of range"):
        vector.step(np.array([2**64 - 1, 0], dtype=np.uint64))


def test_seeds_are_checked_everywhere():
    for bad in (-1, 1.5, "3", True, [1]):
        with pytest.raises(ValueError, match="seed"):
            BoardGameEnv("tic_tac_toe").reset(seed=bad)
        with pytest.raises(ValueError, match="seed"):
            BoardGameVectorEnv("tic_tac_toe", 2).reset(seed=bad)
        with pytest.raises(ValueError, match="seed"):
            BoardGameVecEnv("tic_tac_toe", 2).seed(bad)
        with pytest.raises(ValueError, match="seed"):
            BoardGameVecEnv("tic_tac_toe", 2, seed=bad)
    a, b = (
        BoardGameVectorEnv("tic_tac_toe", 2, learner_seat=None),
        BoardGameVectorEnv("tic_tac_toe", 2, learner_seat=None),
    )
    np.testing.assert_array_equal(a.reset(seed=[3, 4])[0], b.reset(seed=[3, 4])[0])
    assert BoardGameEnv("tic_tac_toe").reset(seed=np.uint32(5))[0].shape == (2, 3, 3)


def test_sb3_indices_and_methods_are_checked():
    env = BoardGameVecEnv("tic_tac_toe", 3, seed=0)
    env.reset()
    assert len(env.env_method("action_masks", indices=[0, 2])) == 2
    assert len(env.env_method("action_masks", indices=np.int64(1))) == 1
    for bad in (3, -1, [0, 5], "0", 1.0, [True]):
        with pytest.raises(ValueError, match="ind"):
            env.env_method("action_masks", indices=bad)
    with pytest.raises(TypeError, match=r"action_masks\(\) takes no arguments"):
        env.env_method("action_masks", 1)
    with pytest.raises(AttributeError, match="supports env_method"):  # SB3's VecEnvs raise AttributeError
        env.env_method("render")
    with pytest.raises(TypeError, match="mapping"):
        env.load_state_arrays(None)
