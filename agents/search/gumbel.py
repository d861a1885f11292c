"""Gumbel search (Danihelka et al. 2022, "Policy improvement by planning with Gumbel").

At the root: sample Gumbel noise g(a), consider the m actions with the largest g + logits,
and spend the simulation budget by sequential halving (each round visits the remaining
actions equally, then keeps the better half by g + logits + σ(q̂)). Below the root the
choice is deterministic: the action whose improved-policy probability most exceeds its share
of visits. The training target is the improved policy softmax(logits + σ(completed q̂)),
where unvisited actions' Q is completed by the mixed value estimate, q̂ rescales the
completed Q to [0, 1] over the node's actions, and σ(q̂) = (c_visit + max_b N(b)) · c_scale · q̂.
With as few as 2 simulations it still improves on the prior. Shapes: B batch, A actions.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numba
import numpy as np

from boardzoo.agents.search import pool
from boardzoo.agents.search.driver import (
    Rules,
    SearchOutput,
    check_keys,
    derive_keys,
    evaluate_roots,
    open_search,
    root_proofs,
    simulate,
    solver_action,
)
from boardzoo.agents.search.evaluators import Evaluator
from boardzoo.agents.search.selection import GUMBEL, sigma_completed_q
from boardzoo.agents.search.tree import Tree
from boardzoo.agents.validation import check_bools, check_ints, check_numbers
from boardzoo.envs import Game, State


@dataclass(frozen=True)
class GumbelConfig:
    """Gumbel search parameters (defaults from the paper)."""

    simulations: int = 16
    """simulations per search (2 or more)"""
    max_considered_actions: int = 16
    """m: root actions sampled by Gumbel-top-k"""
    c_visit: float = 50.0
    """σ offset on the visit count"""
    c_scale: float = 0.1
    """σ scale"""
    gumbel_scale: float = 1.0
    """0 makes the root choice deterministic (evaluation play)"""

    solver: bool = False
    """MCTS-solver: propagate proven wins and losses up the tree, take proven wins and avoid
    proven losses in selection and in the chosen action"""

    def __post_init__(self) -> None:
        check_ints(self, ("simulations", "max_considered_actions"))
        check_numbers(self, ("c_visit", "c_scale", "gumbel_scale"), low=0)
        check_bools(self, ("solver",))


GumbelOutput = SearchOutput
"""Gumbel search returns the common `SearchOutput` (its `policy` is the improved policy)."""


def considered_visit_sequence(num_considered: int, simulations: int) -> list[int]:
    """For each simulation, the visit count a root action must have to be chosen next
    (sequential halving: rounds visit every remaining action equally, then halve them)."""
    if num_considered <= 1:
        return list(range(simulations))
    rounds = math.ceil(math.log2(num_considered))
    sequence: list[int] = []
    visits = [0] * num_considered
    remaining = num_considered
    while len(sequence) < simulations:
        per_round = max(1, simulations // (rounds * remaining))
        for _ in range(per_round):
            sequence.extend(visits[:remaining])
            for i in range(remaining):
                visits[i] += 1
        remaining = max(2, remaining // 2)
    return sequence[:simulations]


@functools.lru_cache(maxsize=64)
def considered_visit_table(max_considered: int, simulations: int) -> np.ndarray:
    """int32[max_considered + 1, simulations]: the sequence for each number considered
    (computed once per pair; read-only)."""
    table = np.array([considered_visit_sequence(m, simulations) for m in range(max_considered + 1)], dtype=np.int32)
    table.flags.writeable = False
    return table


def gumbel_noise(keys: np.ndarray, num_actions: int, scale: float) -> np.ndarray:
    """float64[B, A] Gumbel(0, 1) * scale, drawn from each row's key alone."""
    streams = np.arange(1, num_actions + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    x = derive_keys(keys, -7)[:, None] ^ streams
    x ^= x >> np.uint64(31)
    x *= np.uint64(0x7FB5D329728EA185)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x81DADEF4BC2DD44D)
    x ^= x >> np.uint64(33)
    uniform = ((x >> np.uint64(11)).astype(np.float64) + 0.5) / 9007199254740992.0
    return -np.log(-np.log(uniform)) * scale


def gumbel_search(game: Game, root: State, evaluate: Evaluator, config: GumbelConfig, keys: np.ndarray) -> GumbelOutput:
    """Gumbel search from each of the B roots (finished roots are skipped).

    Args:
      game: the game of `root`.
      root: B positions.
      evaluate: the leaf evaluator, called once for the roots and once per simulation.
      config: search parameters.
      keys: uint64[B], one random key per row; equal keys give equal searches, batched or not.
    """
    keys = check_keys(keys, root.batch_size)
    num_actions = game.num_actions
    buffers, active = open_search(game, root, config.simulations)
    tree = buffers.tree
    logits, prior = evaluate_roots(tree, game, root, evaluate, keys, active)
    legal = root.legal_action_mask
    root_logits = np.where(legal, logits - np.where(legal, logits, -np.inf).max(axis=1, initial=0)[:, None], 0.0)
    gumbel = gumbel_noise(keys, num_actions, config.gumbel_scale)
    num_considered = np.minimum(legal.sum(axis=1), config.max_considered_actions)
    table = considered_visit_table(config.max_considered_actions, config.simulations)
    considered = np.ascontiguousarray(table[num_considered])  # int32[B, S]
    rules = Rules(
        root=GUMBEL,
        interior=GUMBEL,
        c_visit=config.c_visit,
        c_scale=config.c_scale,
        gumbel=gumbel,
        root_logits=root_logits,
        considered_visits=considered,
        solver=config.solver,
    )
    simulate(buffers, game, evaluate, keys, active, rules, config.simulations)
    tree, store = pool.give_back(game, buffers)
    return _root_output(tree, store, root, root_logits, gumbel, prior, config)


def _root_output(
    tree: Tree,
    states: State,
    root: State,
    root_logits: np.ndarray,
    gumbel: np.ndarray,
    prior: np.ndarray,
    config: GumbelConfig,
) -> GumbelOutput:
    batch, num_actions = root_logits.shape
    legal = root.legal_action_mask
    policy = np.zeros((batch, num_actions), np.float32)
    completed = np.zeros((batch, num_actions), np.float32)
    action = np.full(batch, -1, np.int64)
    root_results(
        tree.children_visits,
        tree.children_value_sum,
        tree.children_prior,
        tree.children_legal,
        tree.node_raw_value,
        root.done,
        np.ascontiguousarray(root_logits, dtype=np.float64),
        gumbel,
        config.c_visit,
        config.c_scale,
        policy,
        completed,
        action,
    )
    visits = tree.root_visits().copy()
    proofs = root_proofs(tree) if config.solver else None
    if proofs is not None:
        action = solver_action(action, visits, proofs, legal)
    return GumbelOutput(action, policy, visits, completed, prior, tree.root_value(), tree, proofs, states)


@numba.njit(cache=True)
def root_results(
    children_visits,
    children_value_sum,
    children_prior,
    children_legal,
    node_raw_value,
    done,
    root_logits,
    gumbel,
    c_visit,
    c_scale,
    policy,
    completed,
    action,
):
    # Per root b (one pass, the arrays of `_root_output`): completed[b] = root Q with unvisited
    # actions completed by the mixed value (not rescaled); policy[b] = the improved policy
    # softmax(logits + σ(q̂)) over legal actions; action[b] = among the most visited legal
    # actions, the largest g + logits + σ(q̂) (lowest index on ties; -1 for a finished root).
    num_actions = root_logits.shape[1]
    sigma = np.zeros(num_actions)
    for b in range(root_logits.shape[0]):
        visits, value_sum, legal = children_visits[b, 0], children_value_sum[b, 0], children_legal[b, 0]
        sigma[:] = 0.0
        if not done[b]:
            sigma_completed_q(
                visits, value_sum, children_prior[b, 0], legal, node_raw_value[b, 0], c_visit, c_scale, sigma
            )
        total, prior_visited, weighted_q = 0, 0.0, 0.0
        for a in range(num_actions):
            n = visits[a]
            total += n
            if n > 0:
                p = max(children_prior[b, 0, a], np.float32(1e-12))
                prior_visited += p
                weighted_q += p * (value_sum[a] / n)
        mixed = (node_raw_value[b, 0] + total * (weighted_q / max(prior_visited, 1e-30))) / (total + 1)
        top, most = -np.inf, 0
        for a in range(num_actions):
            n = visits[a]
            completed[b, a] = value_sum[a] / n if n > 0 else mixed
            most = max(most, n)
            if legal[a]:
                top = max(top, root_logits[b, a] + sigma[a])
        if top == -np.inf:
            top = 0.0
        weights_total = 0.0
        for a in range(num_actions):
            if legal[a]:
                weights_total += np.exp(root_logits[b, a] + sigma[a] - top)
        weights_total = max(weights_total, 1e-30)
        best, best_score = 0, -np.inf
        for a in range(num_actions):
            if legal[a]:
                policy[b, a] = np.exp(root_logits[b, a] + sigma[a] - top) / weights_total
                if visits[a] == most:
                    score = gumbel[b, a] + root_logits[b, a] + sigma[a]
                    if score > best_score:
                        best, best_score = a, score
        action[b] = -1 if done[b] else best
