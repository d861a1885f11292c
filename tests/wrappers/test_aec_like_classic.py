"""The AEC env at the end of a game and around reset behaves as PettingZoo's own classic Connect
Four (`pettingzoo.classic.connect_four_v3.env()`, with its order-enforcing wrappers): the same
moves give the same agents, selections, rewards, terminations, errors and warnings.

One deliberate difference: once the game is over our `action_mask` is all zeros for everyone
(the kernel's rule: no action is legal in a finished game), where the classic env still lists
the free columns for the selected agent.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from pettingzoo.classic import connect_four_v3

import boardzoo.envs.connect_four_v0 as ours
from boardzoo.wrappers._checks import AgentError

WIN = [0, 1, 0, 1, 0, 1, 0]  # player_0 wins column a


def both():
    return {"classic": connect_four_v3.env(), "ours": ours.env()}


def snapshot(env):
    return (
        list(env.agents),
        env.agent_selection,
        dict(env.terminations),
        dict(env.truncations),
        {a: float(r) for a, r in env.rewards.items()},
        {a: float(r) for a, r in env._cumulative_rewards.items()},
    )


def outcome(call):
    """('ok', value) or ('raises', the exception)."""
    try:
        return ("ok", call())
    except Exception as error:
        return ("raises", error)


def same_outcome(ours_outcome, classic_outcome) -> bool:
    """Our outcome matches the classic one: the same value, or an exception that the classic
    env's exception class catches (ours may be a subclass, e.g. AgentError of KeyError)."""
    (kind, value), (classic_kind, classic_value) = ours_outcome, classic_outcome
    if kind != classic_kind:
        return False
    return isinstance(value, type(classic_value)) if kind == "raises" else value == classic_value


def played(moves):
    envs = both()
    for env in envs.values():
        env.reset(seed=0)
        for move in moves:
            env.step(move)
    return envs


def pettingzoo_warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.name.startswith("pettingzoo")]


def test_the_end_of_a_game_step_by_step(caplog):
    envs = played(WIN)
    script = [
        ("last", lambda e: tuple(float(x) if isinstance(x, float | int) else x for x in e.last()[1:])),
        ("action for the first dead agent", lambda e: e.step(1)),
        ("None for the first dead agent", lambda e: e.step(None)),
        (
            "last after one removal",
            lambda e: tuple(float(x) if isinstance(x, float | int) else x for x in e.last()[1:]),
        ),
        ("None for the second", lambda e: e.step(None)),
        ("last with every agent gone", lambda e: e.last()),
        ("None once all are gone", lambda e: e.step(None)),
        ("an action once all are gone", lambda e: e.step(3)),
        ("agent_iter once all are gone", lambda e: list(e.agent_iter())),
    ]
    for label, call in script:
        results = {}
        for name, env in envs.items():
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                results[name] = (
                    outcome(lambda env=env, call=call: call(env)),
                    snapshot(env),
                    pettingzoo_warnings(caplog),
                )
        assert same_outcome(results["ours"][0], results["classic"][0]), (label, results)
        assert results["ours"][1:] == results["classic"][1:], label


def test_last_with_every_agent_gone_is_a_clear_key_error():
    env = played(WIN)["ours"]
    env.step(None)
    env.step(None)
    with pytest.raises(KeyError, match="'player_1' is no longer in the game"):
        env.last()
    with pytest.raises(AgentError, match=r"every agent is done .* call reset\(\)"):
        env.last()


def test_observe_after_the_end_matches_except_the_mask():
    envs = played(WIN)
    for env in envs.values():
        env.step(None)
        env.step(None)
    for agent in ("player_0", "player_1"):
        classic, mine = envs["classic"].observe(agent), envs["ours"].observe(agent)
        np.testing.assert_array_equal(classic["observation"].transpose(2, 0, 1), mine["observation"])
        assert not mine["action_mask"].any()


def test_a_whole_game_in_an_agent_iter_loop():
    rng = np.random.default_rng(3)
    envs, logs = both(), {"classic": [], "ours": []}
    for env in envs.values():
        env.reset(seed=0)
    while envs["classic"].agents:
        for name, env in envs.items():
            agent = next(iter(env.agent_iter()))
            _, reward, terminated, truncated, _ = env.last()
            logs[name].append((agent, float(reward), terminated, truncated, list(env.agents)))
        if terminated or truncated:
            action = None
        else:
            action = int(rng.choice(np.flatnonzero(envs["classic"].last()[0]["action_mask"])))
        for env in envs.values():
            env.step(action)
    assert logs["ours"] == logs["classic"] and envs["ours"].agents == []


def test_calls_before_reset_raise_what_pettingzoo_raises():
    calls = {
        "step": lambda e: e.step(0),
        "observe": lambda e: e.observe("player_0"),
        "render": lambda e: e.render(),
        "agent_iter": lambda e: list(e.agent_iter()),
        "last": lambda e: e.last(),
        "agents": lambda e: e.agents,
        "agent_selection": lambda e: e.agent_selection,
    }
    for label, call in calls.items():
        results = {name: outcome(lambda env=env, call=call: call(env)) for name, env in both().items()}
        assert same_outcome(results["ours"], results["classic"]), (label, results)


def test_unknown_agents_and_bad_seeds_are_value_errors_naming_them():
    env = ours.env()
    env.reset(seed=0)
    for call in (env.observe, env.action_space, env.observation_space):
        for bad in ("player_2", 0, None, ["player_0"]):
            with pytest.raises(AgentError, match=r"unknown agent .*; the agents are \['player_0', 'player_1'\]"):
                call(bad)
    for bad in (-1, 1.5, "a", True):
        with pytest.raises(ValueError, match="seed must be an int"):
            env.reset(seed=bad)
    env.reset(seed=np.int64(3))  # numpy ints are ints
    env.reset(seed=2**70)  # as PettingZoo's classic envs
