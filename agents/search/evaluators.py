"""Evaluators: what the search asks at each new leaf, for a batch of K leaves at once.

An evaluator is any callable `(state, keys) -> (logits, value)`:
  state: a kernel `State` of K positions (none finished), to read during the call only (the
    search reuses its arrays for the next simulation's leaves: copy what you keep);
  keys: uint64[K], a random key per leaf (stochastic evaluators must draw only from it, so
    that batched and single searches agree);
  logits: float32[K, A], prior logits (illegal actions are masked by the search);
  value: float32[K], the expected outcome for the player to move, in [-1, 1].
An evaluator whose cost per leaf does not fall with wider batches (random playouts) may set
`wide_batches_help = False`: the search then simulates its rows in cache-sized blocks.
An evaluator that only reads the leaves' observations may also offer
`evaluate_observations(observation, keys) -> (logits, value)`, computing from observation
float32[K, C, H, W] = `game.observe(state)` what the call computes from `state`: on games whose
`observe_fn` is a numba `BoundObserve` (every registered game) the search then writes the
observations in its numba simulation step and calls that instead (`driver.observation_entry`
says when). The observation is a view of a buffer the search reuses: copy what you keep.
The network bridge (`boardzoo.agents.models.evaluator`) lives outside `search`, which never
imports torch.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from boardzoo.agents.search.specialise import is_numba_kernel, with_kernel
from boardzoo.envs import Game, State, sample_legal_actions_keyed
from boardzoo.envs._sampling import keyed_pick_row, legal_mask_views
from boardzoo.envs.core import BoundKernel

Evaluator = Callable[[State, np.ndarray], tuple[np.ndarray, np.ndarray]]


ROLLOUT_SALT = np.uint64(0x9E3779B97F4A7C15)
"""The first rollout's keys are the leaf keys ^ ROLLOUT_SALT (rollout r: ^ (r + 1) * salt)."""


class RolloutEvaluator:
    """Uniform prior and the mean outcome of `num_rollouts` uniformly random playouts (UCT).

    The game's own `playout_fn` plays them where it has one; otherwise all K playouts run
    together on the batched kernel, one `step` per ply. With one rollout and a numba kernel
    (and a `playout_fn`, if any, made with `bind_playout`), the search runs its simulations and
    these playouts in one numba call (`Simulator.run_with_playouts`), with the same results.
    """

    wide_batches_help = False
    """Playouts cost the same per row in any batch, so the search runs cache-sized blocks."""

    def __init__(self, game: Game, num_rollouts: int = 1) -> None:
        if isinstance(num_rollouts, bool) or not isinstance(num_rollouts, int) or num_rollouts < 1:
            raise ValueError(f"num_rollouts must be a positive int, got {num_rollouts!r}")
        self.game = game
        self.num_rollouts = num_rollouts

    def __call__(self, state: State, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        batch = state.batch_size
        total = np.zeros(batch, dtype=np.float32)
        for rollout in range(self.num_rollouts):
            salt = np.uint64(int(ROLLOUT_SALT) * (rollout + 1) % 2**64)
            total += self._playout(state, keys ^ salt)
        logits = np.zeros((batch, self.game.num_actions), dtype=np.float32)
        return logits, total / self.num_rollouts

    def _playout(self, state: State, keys: np.ndarray) -> np.ndarray:
        # float32[K]: the outcome for each row's player to move of one random playout, on a copy
        # the playout owns. With a numba kernel (every registered game) the whole playout is one
        # numba call; row i's draws depend on keys[i] and the ply only, so batched and single
        # playouts agree.
        if self.game.playout_fn is not None:
            return self.game.playout_fn(state, keys)
        current = state.copy()
        outcome = np.zeros(state.batch_size, dtype=np.float32)
        player = current.current_player.copy()
        apply = self.game.apply
        if isinstance(apply, BoundKernel) and is_numba_kernel(apply.kernel):
            mask, words = legal_mask_views(current.legal_action_mask)
            with_kernel(playout_loop, apply.kernel)(
                apply.arrays(current),
                apply.constants,
                mask,
                words,
                current.terminated,
                current.truncated,
                current.rewards,
                player,
                np.ascontiguousarray(keys, dtype=np.uint64),
                self.game.max_game_length + 1,
                outcome,
                state.batch_size,
            )
            return outcome
        ply = 0
        while not current.done.all():
            live = ~current.done
            actions = sample_legal_actions_keyed(current.legal_action_mask, keys, ply)
            current.rewards.fill(0.0)
            apply(current, actions, live)
            outcome += current.rewards[np.arange(state.batch_size), player]
            ply += 1
        return outcome


def playout_loop(
    arrays, constants, mask, words, terminated, truncated, rewards, player, keys, max_plies, outcome, rows
):
    # Uniformly random legal moves in rows 0..rows-1 until each is over (at most max_plies),
    # adding each transition's reward for the row's player to outcome; the kernel's other rows
    # are left alone. Only the rows still playing are visited (a list compacted after every
    # ply): playout lengths vary widely, and sweeping the finished rows every ply cost as much
    # as the playing ones. Compiled per game kernel (`specialise.with_kernel` binds `kernel`).
    batch = terminated.shape[0]
    active = np.zeros(batch, dtype=np.bool_)
    actions = np.full(batch, -1, dtype=np.int64)
    live = np.empty(rows, dtype=np.int64)
    playing = 0
    for b in range(rows):
        active[b] = not (terminated[b] or truncated[b])
        if active[b]:
            live[playing] = b
            playing += 1
    for ply in range(max_plies):
        if playing == 0:
            break
        for i in range(playing):
            b = live[i]
            actions[b] = keyed_pick_row(mask, words, keys, ply, b, b)
            rewards[b, :] = 0.0
        kernel(*arrays, actions, active, *constants)  # noqa: F821 - bound by with_kernel
        still = 0
        for i in range(playing):
            b = live[i]
            outcome[b] += rewards[b, player[b]]
            if terminated[b] or truncated[b]:
                active[b] = False
            else:
                live[still] = b
                still += 1
        playing = still


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
