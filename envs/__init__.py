"""boardzoo.envs: batched game kernels, the game registry and PettingZoo factories.

    >>> from boardzoo.envs import make
    >>> game = make("connect_four")
    >>> state = game.init(batch_size=1024)
    >>> state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))
"""

from boardzoo.envs.core import (
    Game,
    IllegalActionError,
    State,
    Symmetry,
    reset_finished,
    sample_legal_actions,
)
from boardzoo.envs.registry import available_games, game_parameters, make

__all__ = [
    "Game",
    "IllegalActionError",
    "State",
    "Symmetry",
    "available_games",
    "game_parameters",
    "make",
    "reset_finished",
    "sample_legal_actions",
]
