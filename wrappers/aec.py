"""The PettingZoo AEC adapter, generic over any `Game` (no rules here).

Each game is exposed in PettingZoo's classic style as `boardzoo.envs.<game>_v0.env()` /
`raw_env()`, and registered as `pettingzoo.make("aec", "boardzoo/<game>_v0")`.

Observations are dicts `{"observation": float32[C, H, W], "action_mask": int8[A]}`, from the
observing agent's point of view; the mask is all zeros for the agent not on turn (and, as the
kernel's, for everyone once the game is over).

Call order and the end of a game follow PettingZoo's classic envs (as their `env()` wrappers
enforce it): `step`, `observe`, `render` and `agent_iter` before `reset()` raise
`AssertionError`, `agents`, `agent_selection` and `last()` before it `AttributeError`; once the
game is over each agent is removed by `step(None)` (an action raises `ValueError`), and once
every agent is gone `step(...)` warns and does nothing, `agent_iter()` yields nothing, `observe`
still answers and `last()` raises `AgentError` (a `KeyError`, as PettingZoo's does). Unknown
agent names raise `AgentError` (also a `ValueError`); see `boardzoo.wrappers._checks`.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils.env_logger import EnvLogger

from boardzoo.envs._checks import check_int, describe
from boardzoo.envs.core import Game, IllegalActionError, State
from boardzoo.wrappers._checks import (
    RENDER_MODES,
    AgentError,
    as_int_action,
    check_agent,
    check_render_mode,
    check_seed,
    resolve_game,
)
from boardzoo.wrappers.render import render_rgb

# What PettingZoo's order-enforcing wrapper refuses to read before reset().
_SET_BY_RESET = ("agents", "agent_selection", "rewards", "terminations", "truncations", "infos")


class BoardGameAECEnv(AECEnv):
    """A two-player board game as a PettingZoo AEC environment (agents player_0, player_1)."""

    metadata: dict[str, Any] = {
        "render_modes": list(RENDER_MODES),
        "is_parallelizable": False,
        "render_fps": 2,
    }

    def __init__(self, game: Game, render_mode: str | None = None) -> None:
        super().__init__()
        if not isinstance(game, Game):
            raise TypeError(f"game must be a Game (boardzoo.envs.make(id)), got {describe(game)}")
        self.game = game
        self.render_mode = check_render_mode(render_mode)
        self.metadata = {**type(self).metadata, "name": f"{game.id}_v{game.version}"}
        self.possible_agents = [f"player_{i}" for i in range(game.num_players)]
        self._agent_index = {agent: i for i, agent in enumerate(self.possible_agents)}
        observation_space = spaces.Dict(
            {
                "observation": spaces.Box(0.0, 1.0, game.observation_shape, np.float32),
                "action_mask": spaces.Box(0, 1, (game.num_actions,), np.int8),
            }
        )
        self.observation_spaces = dict.fromkeys(self.possible_agents, observation_space)
        self.action_spaces = {a: spaces.Discrete(game.num_actions) for a in self.possible_agents}
        self._player_arrays = [np.array([i], dtype=np.int32) for i in range(game.num_players)]
        self._has_reset = False  # order checks built in (see `env`)
        self._state = game.init(1)

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes not set yet: those reset() sets, as PettingZoo words it.
        if name in _SET_BY_RESET:
            raise AttributeError(f"{name} cannot be accessed before reset")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def kernel_state(self) -> State:
        """The kernel state (a batch of one) of the current game."""
        return self._state

    def observation_space(self, agent: str) -> gymnasium.Space:
        return self.observation_spaces[check_agent(agent, self.possible_agents)]

    def action_space(self, agent: str) -> gymnasium.Space:
        return self.action_spaces[check_agent(agent, self.possible_agents)]

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        seed = check_seed(seed)
        if seed is not None:
            for i, agent in enumerate(self.possible_agents):
                self.action_spaces[agent].seed(seed + i)
        self._state = self.game.init(1)
        self._has_reset = True
        self.agents = self.possible_agents[:]
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos: dict[str, dict[str, Any]] = {a: {} for a in self.agents}
        self.agent_selection = self.agents[int(self._state.current_player[0])]

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        if not self._has_reset:
            EnvLogger.error_observe_before_reset()
        index = self._agent_index[check_agent(agent, self.possible_agents)]
        observation = self.game.observe_fn(self._state, self._player_arrays[index])[0]
        if agent == self.agent_selection:
            mask = self._state.legal_action_mask[0].astype(np.int8)
        else:
            mask = np.zeros(self.game.num_actions, dtype=np.int8)
        return {"observation": observation, "action_mask": mask}

    def step(self, action: Any) -> None:
        """Play `action` (an int in 0..A-1, legal for the agent on turn).

        Once the game is over, each agent must be stepped with None (it is then removed); once
        every agent is gone, a step warns and does nothing (PettingZoo's classic behaviour).

        Raises:
          IllegalActionError: the action is out of range or illegal.
          ValueError: the action is not an integer, or is not None for a finished agent.
          AssertionError: before `reset()` (PettingZoo's order check).
        """
        if not self._has_reset:
            EnvLogger.error_step_before_reset()
        if not self.agents:
            EnvLogger.warn_step_after_terminated_truncated()
            return
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        action_array = np.array([as_int_action(action, self.game.num_actions)], dtype=np.int64)
        try:
            self._state = self.game.step(self._state, action_array)
        except IllegalActionError as error:
            raise IllegalActionError(f"{agent}: {error}") from None
        state = self._state
        self._cumulative_rewards[agent] = 0.0
        for i, name in enumerate(self.possible_agents):
            self.rewards[name] = float(state.rewards[0, i])
        if state.terminated[0] or state.truncated[0]:
            for name in self.possible_agents:
                self.terminations[name] = bool(state.terminated[0])
                self.truncations[name] = bool(state.truncated[0])
        self.agent_selection = self.possible_agents[int(state.current_player[0])]
        self._accumulate_rewards()

    def last(self, observe: bool = True) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Observation, cumulative reward, terminated, truncated and info of the agent to act."""
        if not self._has_reset:
            raise AttributeError("agent_selection cannot be accessed before reset")
        agent = self.agent_selection
        if agent not in self.agents:
            raise AgentError(
                f"last(): {agent!r} is no longer in the game: every agent is done and was removed by "
                "step(None); call reset() to play again"
            )
        return super().last(observe=observe)

    def agent_iter(self, max_iter: int = 2**63) -> Any:
        """The agent to act, until every agent is done (step it in the loop)."""
        if not self._has_reset:
            EnvLogger.error_agent_iter_before_reset()
        return super().agent_iter(check_int("max_iter", max_iter, 0))

    def render(self) -> str | np.ndarray | None:
        if not self._has_reset:
            EnvLogger.error_render_before_reset()
        if self.render_mode is None:
            gymnasium.logger.warn("render() was called without a render_mode; pass render_mode='ansi' or 'rgb_array'.")
            return None
        if self.render_mode == "ansi":
            return self.game.render(self._state, 0)
        return render_rgb(self.game, self._state, 0)

    def close(self) -> None:
        pass


def raw_env(game_id: Game | str, /, render_mode: str | None = None, **params: Any) -> BoardGameAECEnv:
    """The unwrapped AEC env of `game_id` (an id, or a `Game` and no parameters) with game
    parameters `params`."""
    return BoardGameAECEnv(resolve_game(game_id, params), render_mode=render_mode)


def env(game_id: Game | str, /, render_mode: str | None = None, **params: Any) -> AECEnv:
    """The AEC env of `game_id`, ready to use.

    PettingZoo's classic `env()` adds guard wrappers; ours are not needed: the env raises on
    out-of-range and illegal actions itself and checks the call order (step, observe or
    render before reset) itself, which saves PettingZoo's `OrderEnforcingWrapper` attribute
    indirection on every call.
    """
    return raw_env(game_id, render_mode=render_mode, **params)
