"""Batched Monte Carlo tree search with PUCT (AlphaZero) or classic UCT over B games, on the
shared simulation loop (`driver.py`).

Node game states are kernel `State`s kept in a flat store of B * N rows; terminal nodes are
scored exactly from the kernel's rewards and never sent to the evaluator. The action is the
most visited (lowest index on ties); the policy target is the visit distribution.
Shapes: B batch, N nodes, A actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from boardzoo.agents.search import pool
from boardzoo.agents.search.driver import (
    Rules,
    SearchOutput,
    check_keys,
    evaluate_roots,
    open_search,
    root_proofs,
    simulate,
    solver_action,
)
from boardzoo.agents.search.evaluators import Evaluator
from boardzoo.agents.search.policy import policy_from_visits
from boardzoo.agents.search.pool import SearchBuffers
from boardzoo.agents.search.reuse import Reuse, reroot
from boardzoo.agents.search.selection import RULES
from boardzoo.agents.validation import check_bools, check_choice, check_ints, check_numbers
from boardzoo.envs import Game, State


@dataclass(frozen=True)
class SearchConfig:
    """How to search (PUCT defaults follow AlphaZero; UCT is the classic rollout baseline)."""

    simulations: int = 64
    """simulations per search; each adds one node per tree"""
    rule: str = "puct"
    """"puct" (Q + c * P * sqrt(N) / (1 + n)) or "uct" (Q + c * sqrt(ln N / n))"""
    exploration: float = 1.25
    """c_puct for PUCT, c for UCT"""
    fpu_reduction: float = 0.25
    """first-play urgency: unvisited Q = node mean - fpu_reduction * sqrt(visited prior mass)"""
    dirichlet_alpha: float = 0.3
    """root noise concentration"""
    dirichlet_fraction: float = 0.0
    """share of root prior replaced by Dirichlet noise (0 = no noise)"""

    solver: bool = False
    """MCTS-solver: propagate proven wins and losses up the tree, take proven wins and avoid
    proven losses in selection and in the chosen action"""

    def __post_init__(self) -> None:
        check_ints(self, ("simulations",))
        check_choice(self, "rule", ("puct", "uct"))
        check_numbers(self, ("dirichlet_fraction",), low=0, high=1)
        check_numbers(self, ("exploration", "fpu_reduction"), low=0)
        check_numbers(self, ("dirichlet_alpha",), low=0, low_open=True)
        check_bools(self, ("solver",))


def search(
    game: Game, root: State, evaluate: Evaluator, config: SearchConfig, keys: np.ndarray, *, reuse: Reuse | None = None
) -> SearchOutput:
    """Search from each of the B root positions.

    Args:
      game: the game of `root`.
      root: B positions; finished rows are skipped (zero visits, action -1).
      evaluate: the leaf evaluator, called once for the roots and once per simulation.
      config: search parameters.
      keys: uint64[B], one random key per row; equal keys give equal searches, batched or not.
      reuse: continue from subtrees of a previous search (`boardzoo.agents.search.reuse`).

    Returns:
      The root statistics and the tree.
    """
    keys = check_keys(keys, root.batch_size)
    noise = partial(_mix_dirichlet, config=config) if config.dirichlet_fraction > 0 else None
    if reuse is None:
        buffers, active = open_search(game, root, config.simulations)
        tree = buffers.tree
        evaluate_roots(tree, game, root, evaluate, keys, active, noise=noise)
    else:
        tree, store, reused = reroot(game, root, reuse, config.simulations)
        buffers, active = SearchBuffers(tree, store, pooled=False), ~root.done
        evaluate_roots(tree, game, root, evaluate, keys, active & ~reused, noise=noise)
        again = np.flatnonzero(active & reused)
        if noise is not None and again.size:  # noise again at a reused root, over its network prior
            tree.children_prior[again, 0] = noise(
                tree.children_prior[again, 0], root.legal_action_mask[again], keys[again]
            )
    prior = tree.children_prior[:, 0].copy()
    rule = RULES[config.rule]
    rules = Rules(rule, rule, config.exploration, config.fpu_reduction, solver=config.solver)
    simulate(buffers, game, evaluate, keys, active, rules, config.simulations)
    tree, store = pool.give_back(game, buffers)
    visits = tree.root_visits().copy()
    action = np.where(active, visits.argmax(axis=1), -1).astype(np.int64)
    proofs = root_proofs(tree) if config.solver else None
    if proofs is not None:
        action = solver_action(action, visits, proofs, root.legal_action_mask)
    policy = policy_from_visits(visits, 1.0)
    return SearchOutput(action, policy, visits, tree.root_q(), prior, tree.root_value(), tree, proofs, store)


def _mix_dirichlet(prior: np.ndarray, mask: np.ndarray, keys: np.ndarray, *, config: SearchConfig) -> np.ndarray:
    # Per-row generators from the row keys keep batched and single searches equal.
    noisy = prior.copy()
    for i in range(prior.shape[0]):
        legal = np.flatnonzero(mask[i])
        noise = np.random.default_rng(int(keys[i])).dirichlet(np.full(legal.size, config.dirichlet_alpha))
        noisy[i, legal] = (1 - config.dirichlet_fraction) * prior[i, legal] + config.dirichlet_fraction * noise
    return noisy
