"""The player protocol: `act(state, rng) -> actions[B]` over a batch of positions, so anything
plays anything (and any player is an `opponent` of the Gymnasium envs as it is).
`aec_action` lets a player move in the PettingZoo AEC env.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from boardzoo.envs import State, sample_legal_actions


class Player(Protocol):
    """Chooses one action per row of a batch of positions (-1 for finished rows)."""

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray: ...


class RandomPlayer:
    """Uniformly random legal moves."""

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray:
        return sample_legal_actions(state.legal_action_mask, rng)


def aec_action(player: Player, env: Any, rng: np.random.Generator) -> int | None:
    """The player's move for the agent on turn in a boardzoo AEC env (None once it is over)."""
    raw = env.unwrapped
    agent = raw.agent_selection
    if raw.terminations[agent] or raw.truncations[agent]:
        return None
    return int(player.act(raw.kernel_state, rng)[0])
