"""Policy helpers shared by search, players and trainers: a masked softmax, a policy from visit
counts, and drawing an action from weights. Shapes: K rows, A actions."""

from __future__ import annotations

import numpy as np


def masked_softmax(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """float32[K, A] probabilities over the legal actions (zero elsewhere)."""
    masked = np.where(mask, logits, -np.inf)
    top = masked.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    weights = np.where(mask, np.exp(masked - top), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return (weights / np.where(total > 0, total, 1.0)).astype(np.float32)


def sample_from_policy(policy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """int64[K]: one action per row drawn from the (not necessarily normalised) non-negative
    weights float[K, A], with one uniform per row; never an action of zero weight. Rows must
    have positive total weight."""
    cumulative = np.cumsum(policy, axis=1, dtype=np.float64)
    draws = rng.random(policy.shape[0]) * cumulative[:, -1]
    picked = (cumulative <= draws[:, None]).sum(axis=1)
    # Rounding can carry the draw past the last positive weight: clamp to it.
    last_positive = policy.shape[1] - 1 - np.argmax(policy[:, ::-1] > 0, axis=1)
    return np.minimum(picked, last_positive).astype(np.int64)


def policy_from_visits(visits: np.ndarray, temperature: float) -> np.ndarray:
    """float32[B, A]: visits ** (1 / T) normalised; T = 0 puts all mass on the most visited
    action (the lowest index on ties). Rows without visits give all zeros."""
    visits = visits.astype(np.float64)
    if temperature == 0:
        policy = np.zeros_like(visits)
        rows = np.flatnonzero(visits.sum(axis=1) > 0)
        policy[rows, visits[rows].argmax(axis=1)] = 1.0
        return policy.astype(np.float32)
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    weights = visits ** (1.0 / temperature)
    total = weights.sum(axis=1, keepdims=True)
    return (weights / np.where(total > 0, total, 1.0)).astype(np.float32)
