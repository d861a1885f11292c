"""boardzoo.envs: batched game kernels, the game registry and PettingZoo factories.

>>> import numpy as np
>>> from boardzoo.envs import make, sample_legal_actions
>>> game = make("connect_four")
>>> state = game.init(batch_size=1024)
>>> state = game.step(state, sample_legal_actions(state.legal_action_mask, np.random.default_rng(0)))

Importing this package loads the kernels only (numpy and numba), never the adapters: the
PettingZoo factories `boardzoo.envs.<game>_v0.env()` load `boardzoo.wrappers` on first call.
It also registers every game in PettingZoo's registry (`pettingzoo.make("aec",
"boardzoo/connect_four_v0")`) and Gymnasium's (`gymnasium.make("boardzoo/ConnectFour-v0")`,
`gymnasium.make_vec(...)`) by entry-point strings, importing the two registries only.
It does not change the process: entry points that want glibc's malloc tuned for large
batches call `tune_glibc_malloc()` themselves.

Errors: bad input raises `ValueError` (`IllegalActionError` is one) or `TypeError`, naming the
value and what is allowed; a state works only with the game and parameters that made it (see
`boardzoo.envs.core`).
"""

import importlib

from boardzoo.envs._malloc import tune_glibc_malloc
from boardzoo.envs._registration import register_ids
from boardzoo.envs.api_test import api_test
from boardzoo.envs.core import (
    Game,
    IllegalActionError,
    State,
    Symmetry,
    reset_finished,
    sample_legal_actions,
    sample_legal_actions_keyed,
)
from boardzoo.envs.registry import available_games, game_parameters, make

register_ids()


def __getattr__(name: str) -> object:
    # `boardzoo.envs.connect_four_v0.env()` after `import boardzoo.envs` alone.
    if name.endswith("_v0") and name[:-3] in available_games():
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Game",
    "IllegalActionError",
    "State",
    "Symmetry",
    "api_test",
    "available_games",
    "game_parameters",
    "make",
    "reset_finished",
    "sample_legal_actions",
    "sample_legal_actions_keyed",
    "tune_glibc_malloc",
]
