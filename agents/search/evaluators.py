"""Evaluators: what the search asks at each new leaf, for a batch of K leaves at once.

An evaluator is any callable `(state, keys) -> (logits, value)`:
  state: a kernel `State` of K positions (none finished);
  keys: uint64[K], a random key per leaf (stochastic evaluators must draw only from it, so
    that batched and single searches agree);
  logits: float32[K, A], prior logits (illegal actions are masked by the search);
  value: float32[K], the expected outcome for the player to move, in [-1, 1].
The network bridge (`boardzoo.agents.models.evaluator`) lives outside `search`, which never
imports torch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from boardzoo.envs import Game, State, sample_legal_actions_keyed

Evaluator = Callable[[State, np.ndarray], tuple[np.ndarray, np.ndarray]]


class RolloutEvaluator:
    """Uniform prior and the mean outcome of `num_rollouts` uniformly random playouts (UCT).

    All K playouts run together on the batched kernel, one `step` per ply.
    """

    def __init__(self, game: Game, num_rollouts: int = 1) -> None:
        if isinstance(num_rollouts, bool) or not isinstance(num_rollouts, int) or num_rollouts < 1:
            raise ValueError(f"num_rollouts must be a positive int, got {num_rollouts!r}")
        self.game = game
        self.num_rollouts = num_rollouts

    def __call__(self, state: State, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        batch = state.batch_size
        total = np.zeros(batch, dtype=np.float32)
        for rollout in range(self.num_rollouts):
            salt = np.uint64(0x9E3779B97F4A7C15 * (rollout + 1) % 2**64)
            total += self._playout(state, keys ^ salt)
        logits = np.zeros((batch, self.game.num_actions), dtype=np.float32)
        return logits, total / self.num_rollouts

    def _playout(self, state: State, keys: np.ndarray) -> np.ndarray:
        # float32[K]: the outcome for each row's player to move of one random playout. The
        # playout owns its copy of the batch, so it advances it with the game's in-place kernel
        # (sampled actions are legal by construction: no validation, no copy per ply). Rows
        # that finish are dropped once they are half of the batch (row i's draws depend on
        # keys[i] and the ply only, so dropping rows changes no result).
        outcome = np.zeros(state.batch_size, dtype=np.float32)
        player = state.current_player.copy()
        index = np.arange(state.batch_size)
        current, ply = state.copy(), 0
        while index.size:
            live = ~current.done
            actions = sample_legal_actions_keyed(current.legal_action_mask, keys[index], ply)
            current.rewards.fill(0.0)
            self.game.apply(current, actions, live)
            outcome[index] += current.rewards[np.arange(index.size), player[index]]
            ply += 1
            live = ~current.done
            if live.sum() * 2 <= index.size:
                index = index[live]
                current = current.take(live)
        return outcome


class FunctionEvaluator:
    """Wraps `fn(observation[K, C, H, W], mask[K, A]) -> (logits, value)` as an evaluator:
    the form a network takes (DESIGN §2.3), and a handy test double."""

    def __init__(self, game: Game, fn: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]) -> None:
        self.game = game
        self.fn = fn

    def __call__(self, state: State, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, value = self.fn(self.game.observe(state), state.legal_action_mask)
        return np.asarray(logits, dtype=np.float32), np.asarray(value, dtype=np.float32)


def uniform_evaluator(game: Game) -> FunctionEvaluator:
    """Uniform prior, value 0 everywhere: search then relies on terminal values alone."""

    def fn(observation: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(mask.shape, np.float32), np.zeros(mask.shape[0], np.float32)

    return FunctionEvaluator(game, fn)
