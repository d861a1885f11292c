"""Opponents for the single-agent and vector envs.

An opponent is any callable `(state, rng) -> actions` over a batch of kernel states (the
player protocol every boardzoo player implements), an object with such an `act` method, or
the string "random". The states an opponent is given belong to the env, which advances and
resets them in place later: copy a state (`state.copy()`) to keep it past the call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from boardzoo.envs.core import State, sample_legal_actions

Opponent = Callable[[State, np.random.Generator], np.ndarray]
OPPONENT_NAMES = ("random",)


def random_opponent(state: State, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random legal action per row: int64[B]."""
    return sample_legal_actions(state.legal_action_mask, rng)


def resolve_opponent(opponent: Any) -> Opponent:
    """Turn "random", a callable or an object with `act(state, rng)` into an `Opponent`."""
    if isinstance(opponent, str):
        if opponent == "random":
            return random_opponent
        raise ValueError(
            f"unknown opponent {opponent!r}; allowed names: {OPPONENT_NAMES}, "
            "or a callable (state, rng) -> actions, or an object with .act(state, rng)"
        )
    act = getattr(opponent, "act", None)
    if callable(act):
        return act
    if callable(opponent):
        return opponent
    raise ValueError(
        f"opponent {opponent!r} is neither a name in {OPPONENT_NAMES}, a callable "
        "(state, rng) -> actions, nor an object with .act(state, rng)"
    )
