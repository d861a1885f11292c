"""Value targets: the game outcome z, the root search value q, and their mix.

Training the value head on z learns the game's result (unbiased, noisy); on q, it distils
the search (low variance, biased by the network itself); Leela Chess Zero mixes them,
(1 - r) z + r q, with r = `q_ratio`, optionally moved linearly over training.
"""

from __future__ import annotations

import numpy as np


def outcome_targets(players: np.ndarray, returns: np.ndarray) -> np.ndarray:
    """float32[K]: z of each position, the game's return for the player who was to move there.

    Args:
      players: int[K], the player to move at each position of one game.
      returns: float[P], the game's total reward per player.
    """
    return np.asarray(returns, np.float32)[np.asarray(players)]


def mixed_value_target(z: np.ndarray, q: np.ndarray, q_ratio: float) -> np.ndarray:
    """float32[K]: (1 - q_ratio) * z + q_ratio * q."""
    if not 0.0 <= q_ratio <= 1.0:
        raise ValueError(f"q_ratio must be in [0, 1], got {q_ratio}")
    return ((1.0 - q_ratio) * np.asarray(z, np.float32) + q_ratio * np.asarray(q, np.float32)).astype(np.float32)


def scheduled_q_ratio(start: float, end: float, progress: float) -> float:
    """The q_ratio at `progress` in [0, 1] of training, linear from `start` to `end`."""
    progress = min(max(progress, 0.0), 1.0)
    return start + (end - start) * progress
