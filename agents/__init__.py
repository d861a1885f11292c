"""boardzoo.agents: search, networks, players, trainers, evaluation and the `boardzoo` command.

Layers, each importing only those before it (a test checks it): `search` (tree search, no
torch) → `models` (networks, checkpoints) → `players` → `training` (a run skeleton under
expert iteration, PPO and BC) → `evaluation` (arena, Elo, comparison) → `cli`. The names users
need are exported here and load on first use, so `import boardzoo.agents` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from boardzoo.agents import _moved

_moved.install()

_EXPORTS = {
    "NetworkConfig": "boardzoo.agents.models",
    "load_checkpoint": "boardzoo.agents.models",
    "save_checkpoint": "boardzoo.agents.models",
    "Player": "boardzoo.agents.players",
    "RandomPlayer": "boardzoo.agents.players",
    "UCTPlayer": "boardzoo.agents.players",
    "SearchPlayer": "boardzoo.agents.players",
    "NetworkPlayer": "boardzoo.agents.players",
    "load_player": "boardzoo.agents.players",
    "network_player": "boardzoo.agents.players",
    "player_from_spec": "boardzoo.agents.players",
    "play_match": "boardzoo.agents.players",
    "TrainConfig": "boardzoo.agents.training",
    "train": "boardzoo.agents.training",
    "PRESETS": "boardzoo.agents.training",
    "PPOConfig": "boardzoo.agents.training",
    "train_ppo": "boardzoo.agents.training",
    "BCConfig": "boardzoo.agents.training",
    "train_bc": "boardzoo.agents.training",
    "DistillConfig": "boardzoo.agents.training",
    "distill": "boardzoo.agents.training",
    "Arena": "boardzoo.agents.evaluation",
    "CompareConfig": "boardzoo.agents.evaluation",
    "run_compare": "boardzoo.agents.evaluation",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
