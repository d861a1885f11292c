"""The AEC adapter against PettingZoo's own checkers, plus our error and rendering contract."""

from __future__ import annotations

import importlib

import numpy as np
import pettingzoo
import pytest
from pettingzoo.test import api_test, seed_test

import boardzoo.envs
from boardzoo.envs import IllegalActionError

from ..conftest import GAME_CASES, case_id


def factory(game_id: str):
    return importlib.import_module(f"boardzoo.envs.{game_id}_v0")


@pytest.mark.parametrize(("game_id", "params"), GAME_CASES, ids=[case_id(c) for c in GAME_CASES])
def test_pettingzoo_api_and_seed_tests(game_id, params):
    module = factory(game_id)
    api_test(module.env(**params), num_cycles=300)
    seed_test(lambda: module.env(**params), num_cycles=300)
    api_test(module.raw_env(render_mode="ansi", **params), num_cycles=50)


@pytest.mark.parametrize("game_id", boardzoo.envs.available_games())
def test_registered_in_pettingzoo(game_id):
    env = pettingzoo.make("aec", f"boardzoo/{game_id}_v0")
    env.reset(seed=0)
    assert env.metadata["name"] == f"{game_id}_v0"
    assert env.possible_agents == ["player_0", "player_1"]


def test_observations_are_per_agent_and_mask_only_for_the_mover():
    env = boardzoo.envs.connect_four_v0.env()
    env.reset()
    env.step(3)  # player_0 drops into column d
    mover = env.observe("player_1")
    waiter = env.observe("player_0")
    assert env.agent_selection == "player_1"
    assert mover["action_mask"].tolist() == [1] * 7 and not waiter["action_mask"].any()
    assert mover["observation"][1, 5, 3] == 1 and mover["observation"][0].sum() == 0  # opponent's stone
    assert waiter["observation"][0, 5, 3] == 1 and waiter["observation"][1].sum() == 0  # own stone


def test_rewards_and_terminations_on_a_win():
    env = boardzoo.envs.tic_tac_toe_v0.env()
    env.reset()
    for move in (0, 3, 1, 4, 2):
        env.step(move)
    assert env.terminations == {"player_0": True, "player_1": True}
    assert env.rewards == {"player_0": 1.0, "player_1": -1.0}
    _, reward, terminated, _, _ = env.last()
    assert terminated and reward == -1.0  # player_1 is selected after the win


def test_illegal_and_bad_actions_raise():
    env = boardzoo.envs.tic_tac_toe_v0.env()
    env.reset()
    env.step(4)
    with pytest.raises(IllegalActionError, match=r"player_1: .*action 4 in row 0 \(b2\) is illegal"):
        env.step(4)
    with pytest.raises(IllegalActionError, match="out of range 0..8"):
        env.step(9)
    for bad in (1.0, "1", True, None, np.array([1, 2])):
        with pytest.raises(ValueError, match="action must be an int in 0..8"):
            env.step(bad)
    env.step(np.int64(0))  # numpy ints are fine
    assert env.agent_selection == "player_0"


def test_stepping_a_finished_game_with_an_action_raises():
    env = boardzoo.envs.tic_tac_toe_v0.env()
    env.reset()
    for move in (0, 3, 1, 4, 2):
        env.step(move)
    with pytest.raises(ValueError, match="when an agent is dead, the only valid action is None"):
        env.step(5)
    env.step(None)
    env.step(None)
    assert env.agents == []


def test_calls_before_reset_raise():
    env = boardzoo.envs.connect_four_v0.env()
    for call in (lambda: env.step(0), lambda: env.observe("player_0"), env.render):
        with pytest.raises(AssertionError, match=r"reset\(\) needs to be called before"):
            call()
    with pytest.raises(AttributeError):
        _ = env.agent_selection


def test_render_modes():
    env = boardzoo.envs.hex_v0.env(board_size=3, render_mode="ansi")
    env.reset()
    env.step(4)
    assert env.render() == "  a b c\n1 . . .\n 2 . x .\n  3 . . ."
    rgb = boardzoo.envs.connect_four_v0.env(render_mode="rgb_array")
    rgb.reset()
    image = rgb.render()
    assert image.dtype == np.uint8 and image.shape == (6 * 32, 7 * 32, 3)
    rgb.step(0)
    assert not np.array_equal(rgb.render(), image)
    with pytest.raises(ValueError, match="render_mode 'human' is not supported"):
        boardzoo.envs.connect_four_v0.env(render_mode="human")
