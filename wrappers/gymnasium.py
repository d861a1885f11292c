"""Single-agent Gymnasium env: the learner plays one seat against an `opponent`.

Each game has a registered id (`GYMNASIUM_IDS`: `boardzoo/TicTacToe-v0`,
`boardzoo/ConnectFour-v0`, `boardzoo/Hex-v0`, `boardzoo/Othello-v0`, `boardzoo/Gomoku-v0`,
`boardzoo/Breakthrough-v0`, `boardzoo/Go-v0`), registered when `boardzoo.envs` or
`boardzoo.wrappers` is imported; game parameters such as `board_size` are keyword arguments:

    env = gymnasium.make("boardzoo/Hex-v0", board_size=7, opponent="random", learner_seat=None)
    envs = gymnasium.make_vec("boardzoo/Hex-v0", num_envs=256, board_size=7)  # batched kernel

The observation is from the learner's point of view, float32[C, H, W]. The reward is the
learner's: +1 win, -1 loss, 0 otherwise. `info["action_mask"]` (int8[A], as Gymnasium's
`Discrete.sample(mask=...)` takes it) and `action_masks()` (bool[A], for sb3-contrib) give
the legal actions. Illegal or out-of-range actions raise; nothing is clipped. `step` before
`reset()` or after the episode ended raises `ResetNeeded` (a `RuntimeError`, and Gymnasium's
`ResetNeeded` that `gymnasium.make`'s order wrapper raises).

Each registered id has its own entry point (`make_<game_id>` here), so no keyword can turn one
id into another game: `gymnasium.make("boardzoo/ConnectFour-v0", game_id="hex")` is refused
as an unknown Connect Four parameter.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from boardzoo.envs._registration import GYMNASIUM_IDS, game_of_entry_point
from boardzoo.envs.core import Game
from boardzoo.wrappers._checks import (
    RENDER_MODES,
    ResetNeeded,
    as_int_action,
    check_render_mode,
    check_seed,
    resolve_game,
)
from boardzoo.wrappers._versus import VersusBatch
from boardzoo.wrappers.render import render_rgb


class BoardGameEnv(gymnasium.Env[np.ndarray, np.int64]):
    """One seat of a two-player board game against a fixed opponent.

    Args:
      game: a `Game` or a registry id.
      opponent: "random", a callable `(state, rng) -> actions`, or an object with `act`.
      illegal_action: "raise" (default) or "lose": an illegal in-range action forfeits the
        game (learner reward -1). Gymnasium's and SB3's env checkers sample actions without
        masks, so they need "lose"; out-of-range actions always raise.
      learner_seat: 0 (moves first), 1, or None for a random seat each episode.
      render_mode: None, "ansi" or "rgb_array".
      **params: game parameters when `game` is an id (e.g. board_size=7).
    """

    metadata: dict[str, Any] = {"render_modes": list(RENDER_MODES), "render_fps": 2}

    def __init__(
        self,
        game: Game | str,
        *,
        opponent: Any = "random",
        learner_seat: int | None = 0,
        illegal_action: str = "raise",
        render_mode: str | None = None,
        **params: Any,
    ) -> None:
        self.game = resolve_game(game, params)
        self.render_mode = check_render_mode(render_mode)
        self.observation_space = spaces.Box(0.0, 1.0, self.game.observation_shape, np.float32)
        self.action_space = spaces.Discrete(self.game.num_actions)
        self._games = VersusBatch(self.game, 1, opponent, learner_seat, illegal_action)
        self._over = True

    @property
    def learner_seat(self) -> int:
        """The learner's seat in the current episode."""
        return int(self._games.seats[0])

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=check_seed(seed))
        self._over = True  # until the new games are ready (the opponent may fail)
        self._games.reset(self.np_random)
        self._over = bool(self._games.state.done[0])
        return self._games.observe()[0], self._info()

    def step(self, action: Any):
        if self._over or self._games.interrupted:
            raise ResetNeeded(
                "the episode is over (or reset() was never called, or the opponent failed); call reset() first"
            )
        index = as_int_action(action, self.game.num_actions)
        reward = self._games.step(np.array([index], dtype=np.int64), self.np_random)
        state = self._games.state
        terminated, truncated = bool(state.terminated[0]), bool(state.truncated[0])
        self._over = terminated or truncated
        return self._games.observe()[0], float(reward[0]), terminated, truncated, self._info()

    def action_masks(self) -> np.ndarray:
        """bool[A]: the learner's legal actions now."""
        return self._games.state.legal_action_mask[0].copy()

    def render(self) -> str | np.ndarray | None:
        if self.render_mode == "ansi":
            return self.game.render(self._games.state, 0)
        if self.render_mode == "rgb_array":
            return render_rgb(self.game, self._games.state, 0)
        return None

    def _info(self) -> dict[str, Any]:
        return {
            "action_mask": self._games.state.legal_action_mask[0].astype(np.int8),
            "learner_seat": self.learner_seat,
        }


def make_single_agent(game_id: str, **kwargs: Any) -> BoardGameEnv:
    """`BoardGameEnv(game_id, **kwargs)` (the registered ids use `make_<game_id>`)."""
    return BoardGameEnv(game_id, **kwargs)


def __getattr__(name: str) -> Any:
    # The registered ids' entry points: make_connect_four(**kwargs) -> BoardGameEnv("connect_four", ...).
    game_id = game_of_entry_point(name)
    if game_id is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def make_env(**kwargs: Any) -> BoardGameEnv:
        return BoardGameEnv(game_id, **kwargs)

    make_env.__name__ = make_env.__qualname__ = name
    return make_env


__all__ = ["GYMNASIUM_IDS", "BoardGameEnv", "make_single_agent"]
