"""Training positions and their symmetry augmentation, shared by every trainer that fits a
policy-value network (expert iteration, behavioural cloning, distillation)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boardzoo.envs import Game


@dataclass(frozen=True)
class Positions:
    """A batch of K training positions.

    Attributes:
      observation: float32[K, C, H, W], from the player to move's view.
      legal: bool[K, A].
      policy: float32[K, A], the search's policy target (sums to 1 over legal actions).
      z: float32[K], the game's outcome for the player to move.
      q: float32[K], the root search value for the player to move.
    """

    observation: np.ndarray
    legal: np.ndarray
    policy: np.ndarray
    z: np.ndarray
    q: np.ndarray

    def __len__(self) -> int:
        return int(self.z.shape[0])


def augment(game: Game, positions: Positions, rng: np.random.Generator) -> Positions:
    """Each position under a uniformly drawn symmetry of the game (identity included)."""
    symmetries = game.symmetries
    if len(symmetries) <= 1:
        return positions
    choice = rng.integers(0, len(symmetries), size=len(positions))
    observation, legal, policy = positions.observation.copy(), positions.legal.copy(), positions.policy.copy()
    for index, symmetry in enumerate(symmetries):
        rows = np.flatnonzero(choice == index)
        if index == 0 or rows.size == 0:
            continue
        observation[rows] = symmetry.observation(positions.observation[rows])
        legal[rows] = symmetry.policy(positions.legal[rows])
        policy[rows] = symmetry.policy(positions.policy[rows])
    return Positions(observation, legal, policy, positions.z, positions.q)
