"""An SB3 `VecEnv` over the batched kernel: B learner-vs-opponent games, auto-reset in the
same step (SB3's convention: `infos[i]["terminal_observation"]`), action masks for
sb3-contrib's MaskablePPO through `env_method("action_masks")`.

    vec_env = BoardGameVecEnv("connect_four", num_envs=64, learner_seat=None, seed=0)
    model = MaskablePPO("MlpPolicy", vec_env)

`step_async` before `reset()` raises `ResetNeeded` (as the Gymnasium envs), `step_wait`
without a `step_async` a `RuntimeError`; `env_method`/`get_attr` of a name the env does not
have raise `AttributeError`, as SB3's own VecEnvs do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices

from boardzoo.envs._checks import describe
from boardzoo.envs.core import Game
from boardzoo.wrappers._checks import (
    ResetNeeded,
    check_batch_actions,
    check_indices,
    check_num_envs,
    check_seed,
    resolve_game,
)
from boardzoo.wrappers._versus import VersusBatch

MASK_METHOD = "action_masks"


class BoardGameVecEnv(VecEnv):
    """B games of a learner seat against an opponent as one SB3 VecEnv.

    Args:
      game: a `Game` or a registry id.
      num_envs: B.
      opponent: "random", a batched callable `(state, rng) -> actions`, or an object with `act`.
      illegal_action: "raise" (default) or "lose": an illegal in-range action forfeits the
        game (learner reward -1). Gymnasium's and SB3's env checkers sample actions without
        masks, so they need "lose"; out-of-range actions always raise.
      learner_seat: 0, 1, or None for a random seat per episode.
      seed: seed of the generator that draws seats and drives random opponents.
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
        seed: int | None = None,
        **params: Any,
    ) -> None:
        self.game = resolve_game(game, params)
        num_envs = check_num_envs(num_envs)
        self.render_mode = None
        super().__init__(
            num_envs,
            spaces.Box(0.0, 1.0, self.game.observation_shape, np.float32),
            spaces.Discrete(self.game.num_actions),
        )
        self._games = VersusBatch(self.game, num_envs, opponent, learner_seat, illegal_action)
        self._rng = np.random.default_rng(check_seed(seed))
        self._actions: np.ndarray | None = None  # set by step_async, used by step_wait
        self._has_reset = False

    def seed(self, seed: int | None = None) -> Sequence[int | None]:
        """The seed of the next `reset()` (SB3's VecEnv.seed): None or an int >= 0."""
        return super().seed(check_seed(seed))

    def reset(self) -> np.ndarray:
        if self._seeds and self._seeds[0] is not None:
            self._rng = np.random.default_rng(self._seeds[0])
        self._reset_seeds()
        self._actions = None
        self._has_reset = False  # until the new games are ready (the opponent may fail)
        self._games.reset(self._rng)
        self._has_reset = True
        self.reset_infos = [{} for _ in range(self.num_envs)]
        return self._games.observe()

    def step_async(self, actions: np.ndarray) -> None:
        if not self._has_reset or self._games.interrupted:
            raise ResetNeeded("step_async() before reset() (or after the opponent failed): call reset() first")
        self._actions = check_batch_actions(actions, self.num_envs, self.game.num_actions)

    def step_wait(self):
        if self._actions is None:
            raise RuntimeError("step_wait() needs a step_async(actions) first")
        actions, self._actions = self._actions, None
        rewards, terminated, truncated, final_obs = self._games.step_and_reset(actions, self._rng)
        dones = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if final_obs is not None:
            for i in np.flatnonzero(dones):
                infos[i] = {
                    "terminal_observation": final_obs[i],
                    "TimeLimit.truncated": bool(truncated[i] and not terminated[i]),
                }
        return self._games.observe(), rewards, dones, infos

    def action_masks(self) -> np.ndarray:
        """bool[B, A]: each learner's legal actions now."""
        return self._games.action_masks()

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Everything that shapes what this env does next (the games, the seats, the generator),
        as arrays that `np.savez` stores without pickling; `load_state_arrays` restores them."""
        arrays = {f"state.{name}": value.copy() for name, value in self._games.state.__dict__.items()}
        arrays["seats"] = self._games.seats.copy()
        arrays["rng"] = np.array(json.dumps(self._rng.bit_generator.state))
        return arrays

    def load_state_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore what `state_arrays` returned (ValueError if it is for another game or size)."""
        if not isinstance(arrays, Mapping):
            raise TypeError(f"arrays must be the mapping state_arrays() returned, got {describe(arrays)}")
        current = {**{f"state.{n}": v for n, v in self._games.state.__dict__.items()}, "seats": self._games.seats}
        for name, value in current.items():
            saved = arrays.get(name)
            if saved is None or saved.shape != value.shape or saved.dtype != value.dtype:
                found = None if saved is None else f"{saved.dtype}{saved.shape}"
                raise ValueError(f"saved env field {name!r} is {found}, expected {value.dtype}{value.shape}")
            value[...] = saved
        if "rng" not in arrays:
            raise ValueError("saved env field 'rng' is missing")
        self._rng.bit_generator.state = json.loads(str(arrays["rng"]))
        self._has_reset, self._games.interrupted = True, False

    def close(self) -> None:
        pass

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        rows = self._get_indices(indices)
        if not isinstance(attr_name, str):
            raise TypeError(f"attr_name must be a str, got {describe(attr_name)}")
        return [getattr(self, attr_name)] * len(rows)

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        raise AttributeError(f"BoardGameVecEnv has no per-env attributes to set (asked for {attr_name!r})")

    def env_method(
        self, method_name: str, *method_args: Any, indices: VecEnvIndices = None, **method_kwargs: Any
    ) -> list[Any]:
        rows = self._get_indices(indices)
        if method_name != MASK_METHOD:
            raise AttributeError(f"BoardGameVecEnv supports env_method({MASK_METHOD!r}) only, got {method_name!r}")
        if method_args or method_kwargs:
            raise TypeError(f"{MASK_METHOD}() takes no arguments, got {method_args!r} {method_kwargs!r}")
        masks = self.action_masks()
        return [masks[i] for i in rows]

    def has_attr(self, attr_name: str) -> bool:
        if not isinstance(attr_name, str):
            raise TypeError(f"attr_name must be a str, got {describe(attr_name)}")
        return attr_name == MASK_METHOD or hasattr(self, attr_name)

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        return [False] * len(self._get_indices(indices))

    def _get_indices(self, indices: VecEnvIndices) -> Sequence[int]:
        return check_indices(indices, self.num_envs)
