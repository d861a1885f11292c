"""boardzoo.wrappers: standard-API adapters over the batched kernels (no rules here).

- PettingZoo AEC: `BoardGameAECEnv`, `aec_env(game_id, **params)` / `aec_raw_env(...)` (per
  game also `boardzoo.envs.<game>_v0.env()`, and `pettingzoo.make("aec", "boardzoo/<game>_v0")`).
- Gymnasium, one seat against an opponent: `BoardGameEnv`, and
  `gymnasium.make("boardzoo/ConnectFour-v0")` for every game (`GYMNASIUM_IDS`).
- Vector envs over the batched kernel: `BoardGameVectorEnv` (Gymnasium, also
  `gymnasium.make_vec(id, num_envs=B)`) and `BoardGameVecEnv` (Stable-Baselines3, with
  sb3-contrib's `action_masks`).

Errors: what the kernel raises for bad input (`ValueError`, `TypeError`) plus what each API's
contract mandates (`ResetNeeded` before reset, PettingZoo's order errors, `AgentError` for an
agent the env does not have); the list is in `boardzoo.wrappers._checks`.

Importing this package registers every game's PettingZoo and Gymnasium ids (through
`boardzoo.envs`, by entry-point strings) and loads nothing else: each name above loads its
module (and PettingZoo, Gymnasium or SB3) on first use. So `import boardzoo.wrappers` or
`gymnasium.register_envs(boardzoo.wrappers)` costs what `import boardzoo.envs` costs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from boardzoo import envs as _envs  # noqa: F401 (importing it registers the ids)

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers
    from boardzoo.envs._registration import GYMNASIUM_IDS
    from boardzoo.wrappers._checks import AgentError, ResetNeeded
    from boardzoo.wrappers.aec import BoardGameAECEnv
    from boardzoo.wrappers.aec import env as aec_env
    from boardzoo.wrappers.aec import raw_env as aec_raw_env
    from boardzoo.wrappers.gymnasium import BoardGameEnv
    from boardzoo.wrappers.opponents import Opponent, random_opponent
    from boardzoo.wrappers.sb3 import BoardGameVecEnv
    from boardzoo.wrappers.vector import BoardGameVectorEnv

# Exported name -> (module, attribute), imported on first access.
_LAZY = {
    "BoardGameAECEnv": ("boardzoo.wrappers.aec", "BoardGameAECEnv"),
    "aec_env": ("boardzoo.wrappers.aec", "env"),
    "aec_raw_env": ("boardzoo.wrappers.aec", "raw_env"),
    "BoardGameEnv": ("boardzoo.wrappers.gymnasium", "BoardGameEnv"),
    "BoardGameVectorEnv": ("boardzoo.wrappers.vector", "BoardGameVectorEnv"),
    "BoardGameVecEnv": ("boardzoo.wrappers.sb3", "BoardGameVecEnv"),
    "GYMNASIUM_IDS": ("boardzoo.envs._registration", "GYMNASIUM_IDS"),
    "Opponent": ("boardzoo.wrappers.opponents", "Opponent"),
    "AgentError": ("boardzoo.wrappers._checks", "AgentError"),
    "ResetNeeded": ("boardzoo.wrappers._checks", "ResetNeeded"),
    "random_opponent": ("boardzoo.wrappers.opponents", "random_opponent"),
}

__all__ = [
    "GYMNASIUM_IDS",
    "AgentError",
    "BoardGameAECEnv",
    "BoardGameEnv",
    "BoardGameVecEnv",
    "BoardGameVectorEnv",
    "Opponent",
    "ResetNeeded",
    "aec_env",
    "aec_raw_env",
    "random_opponent",
]


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later accesses skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
