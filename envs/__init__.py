"""boardzoo.envs: batched game kernels, the game registry and PettingZoo factories.

>>> from boardzoo.envs import make
>>> game = make("connect_four")
>>> state = game.init(batch_size=1024)
>>> state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))
"""

from boardzoo.envs._malloc import tune_glibc_malloc
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

MALLOC_TUNED = tune_glibc_malloc()


def _register_pettingzoo_ids() -> None:
    # pettingzoo.make("aec", "boardzoo/connect_four_v0") after `import boardzoo.envs`.
    from pettingzoo.env_registry import registration

    for game_id in available_games():
        name = f"boardzoo/{game_id}_v0"
        if name not in registration.aec_registry:
            registration.register("aec", name, entry_point=f"boardzoo.envs.{game_id}_v0:env")


_register_pettingzoo_ids()


def __getattr__(name: str) -> object:
    # `boardzoo.envs.connect_four_v0.env()` without importing the adapters eagerly.
    if name.endswith("_v0") and name[:-3] in available_games():
        import importlib

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
]
