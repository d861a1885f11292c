"""Vector envs that step the batched kernel directly: B learner-vs-opponent games per call.

`BoardGameVectorEnv` is a `gymnasium.vector.VectorEnv` (autoreset NEXT_STEP by default, as
Gymnasium's own vector envs; SAME_STEP on request). `boardzoo.wrappers.sb3.BoardGameVecEnv`
is the SB3 flavour. Observations are float32[B, C, H, W] from each learner's point of view;
`infos["action_mask"]` is int8[B, A] and `action_masks()` bool[B, A]. Stepping before
`reset()` raises `ResetNeeded`, as the single-agent env does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from boardzoo.envs._registration import game_of_entry_point
from boardzoo.envs.core import Game
from boardzoo.wrappers._checks import (
    ResetNeeded,
    check_batch_actions,
    check_num_envs,
    check_vector_seed,
    resolve_game,
)
from boardzoo.wrappers._versus import VersusBatch

AUTORESET_MODES = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)


class BoardGameVectorEnv(VectorEnv):
    """B games of a learner seat against an opponent, as one Gymnasium vector env.

    Args:
      game: a `Game` or a registry id.
      num_envs: B.
      opponent: "random", a batched callable `(state, rng) -> actions`, or an object with `act`.
      illegal_action: "raise" (default) or "lose": an illegal in-range action forfeits the
        game (learner reward -1). Gymnasium's and SB3's env checkers sample actions without
        masks, so they need "lose"; out-of-range actions always raise.
      learner_seat: 0, 1, or None for a random seat per episode.
      autoreset_mode: NEXT_STEP (default) or SAME_STEP (final observation in
        `infos["final_obs"]`, float32[B, C, H, W], valid where `infos["_final_obs"]`).
      **params: game parameters when `game` is an id.
    """

    def __init__(
        self,
        game: Game | str,
        num_envs: int,
        *,
        opponent: Any = "random",
        learner_seat: int | None = 0,
        illegal_action: str = "raise",
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        **params: Any,
    ) -> None:
        self.game = resolve_game(game, params)
        self.num_envs = check_num_envs(num_envs)
        try:
            mode = AutoresetMode(autoreset_mode)
        except ValueError:
            mode = None
        if mode not in AUTORESET_MODES:
            allowed = [m.value for m in AUTORESET_MODES]
            raise ValueError(f"autoreset_mode {autoreset_mode!r} is not supported; allowed: {allowed}")
        self.metadata = {"autoreset_mode": mode, "render_modes": []}
        self.render_mode = None
        self.single_observation_space = spaces.Box(0.0, 1.0, self.game.observation_shape, np.float32)
        self.single_action_space = spaces.Discrete(self.game.num_actions)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._games = VersusBatch(self.game, self.num_envs, opponent, learner_seat, illegal_action)
        self._needs_reset = np.zeros(self.num_envs, dtype=np.bool_)
        self._rng = np.random.default_rng()
        self._has_reset = False

    def reset(self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None):
        """New games in every row; `seed`: None, an int, or one int per env."""
        seed = check_vector_seed(seed, self.num_envs)
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self._has_reset = False  # until the new games are ready (the opponent may fail)
        self._games.reset(self._rng)
        self._needs_reset[:] = False
        self._has_reset = True
        return self._games.observe(), self._infos()

    def step(self, actions: Any):
        if not self._has_reset or self._games.interrupted:
            raise ResetNeeded("step() before reset() (or after the opponent failed): call reset() first")
        actions = check_batch_actions(actions, self.num_envs, self.game.num_actions)
        games = self._games
        if self.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP:
            resetting = self._needs_reset
            moving = ~resetting
            reward = games.step(actions, self._rng, where=moving)
            games.reset_rows(resetting, self._rng)
            reward[resetting] = 0.0
            terminated = games.state.terminated & moving
            truncated = games.state.truncated & moving
            self._needs_reset = terminated | truncated
            return games.observe(), reward, terminated, truncated, self._infos()
        reward, terminated, truncated, final_obs = games.step_and_reset(actions, self._rng)
        infos = self._infos()
        if final_obs is not None:
            infos.update(final_obs=final_obs, _final_obs=terminated | truncated)
        return games.observe(), reward, terminated, truncated, infos

    def action_masks(self) -> np.ndarray:
        """bool[B, A]: each learner's legal actions now."""
        return self._games.action_masks()

    def _infos(self) -> dict[str, np.ndarray]:
        return {
            "action_mask": self._games.state.legal_action_mask.astype(np.int8),
            "learner_seat": self._games.seats.copy(),
        }


def make_vector(game_id: str, num_envs: int = 1, **kwargs: Any) -> BoardGameVectorEnv:
    """`BoardGameVectorEnv(game_id, num_envs, **kwargs)` (the registered ids use `make_<game_id>`)."""
    return BoardGameVectorEnv(game_id, num_envs, **kwargs)


def __getattr__(name: str) -> Any:
    # The registered ids' vector entry points, for `gymnasium.make_vec(id, num_envs=B)`.
    game_id = game_of_entry_point(name)
    if game_id is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def make_env(num_envs: int = 1, **kwargs: Any) -> BoardGameVectorEnv:
        return BoardGameVectorEnv(game_id, num_envs, **kwargs)

    make_env.__name__ = make_env.__qualname__ = name
    return make_env
