"""Batched Monte Carlo tree search (PUCT as in AlphaZero, or classic UCT) over B games.

One evaluator call per simulation for all B trees; selection and backup run in numba; node
game states are kernel `State`s kept in a flat store of B * N rows (node n of game b at row
b * N + n). Terminal nodes are scored exactly from the kernel's rewards and never sent to the
evaluator. Shapes: B batch, N nodes, A actions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boardzoo.agents.search.evaluators import Evaluator
from boardzoo.agents.search.tree import (
    SELECT_PUCT,
    SELECT_UCT,
    Tree,
    record_children,
    record_evaluations,
    select_leaves,
)
from boardzoo.agents.validation import check_choice, check_ints, check_numbers
from boardzoo.envs import Game, State

RULES = {"puct": SELECT_PUCT, "uct": SELECT_UCT}


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

    def __post_init__(self) -> None:
        check_ints(self, ("simulations",))
        check_choice(self, "rule", tuple(RULES))
        check_numbers(self, ("dirichlet_fraction",), low=0, high=1)
        check_numbers(self, ("exploration", "fpu_reduction"), low=0)
        check_numbers(self, ("dirichlet_alpha",), low=0, low_open=True)


@dataclass(frozen=True)
class SearchOutput:
    """Root statistics of B searches.

    Attributes:
      visits: int32[B, A], root child visit counts (summing to simulations per live row).
      q: float32[B, A], mean value of each root action for the root player (0 if unvisited).
      prior: float32[B, A], root prior after noise.
      root_value: float32[B], mean value of the root for its player.
      tree: the full tree.
    """

    visits: np.ndarray
    q: np.ndarray
    prior: np.ndarray
    root_value: np.ndarray
    tree: Tree


def masked_softmax(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """float32[K, A] probabilities over the legal actions (zero elsewhere)."""
    masked = np.where(mask, logits, -np.inf)
    top = masked.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    weights = np.where(mask, np.exp(masked - top), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return (weights / np.where(total > 0, total, 1.0)).astype(np.float32)


def derive_keys(keys: np.ndarray, index: int) -> np.ndarray:
    """uint64[B]: the index-th sub-key of each row's key (SplitMix64 of key ^ f(index)), so each
    simulation of each row draws from its own stream."""
    x = keys.astype(np.uint64) ^ np.uint64((0xA0761D6478BD642F * (index + 2)) % 2**64)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def _write_rows(store: State, rows: np.ndarray, part: State) -> None:
    # In place: the store is private to one search.
    for name, value in part.__dict__.items():
        store.__dict__[name][rows] = value


def search(game: Game, root: State, evaluate: Evaluator, config: SearchConfig, keys: np.ndarray) -> SearchOutput:
    """Search from each of the B root positions.

    Args:
      game: the game of `root`.
      root: B positions; finished rows are skipped (zero visits).
      evaluate: the leaf evaluator, called once for the roots and once per simulation.
      config: search parameters.
      keys: uint64[B], one random key per row; equal keys give equal searches, batched or not.

    Returns:
      The root statistics and the tree.
    """
    keys = check_keys(keys, root.batch_size)
    batch = root.batch_size
    tree, store, active = new_tree(game, root, config.simulations)
    _, prior = evaluate_roots(tree, game, root, evaluate, keys, active, noise=config)
    node = np.empty(batch, dtype=np.int32)
    action = np.empty(batch, dtype=np.int32)
    for simulation in range(config.simulations):
        select_leaves(
            tree.node_visits,
            tree.node_terminal,
            tree.children_index,
            tree.children_prior,
            tree.children_visits,
            tree.children_value_sum,
            tree.children_legal,
            active,
            RULES[config.rule],
            config.exploration,
            config.fpu_reduction,
            node,
            action,
        )
        leaf, value = expand_and_evaluate(tree, game, store, evaluate, node, action, derive_keys(keys, simulation))
        tree.backup(leaf, value)
    return SearchOutput(tree.root_visits().copy(), tree.root_q(), prior, tree.root_value(), tree)


def check_keys(keys: np.ndarray, batch_size: int) -> np.ndarray:
    """The per-row keys as uint64[B], or a ValueError naming the shape expected."""
    keys = np.asarray(keys, dtype=np.uint64)
    if keys.shape != (batch_size,):
        raise ValueError(f"keys must have shape ({batch_size},), got {keys.shape}")
    return keys


def new_tree(game: Game, root: State, simulations: int) -> tuple[Tree, State, np.ndarray]:
    """An empty tree of simulations + 1 nodes per row, the node-state store holding the
    roots, and the rows to search (bool[B], the unfinished roots)."""
    batch, nodes = root.batch_size, simulations + 1
    tree = Tree.empty(batch, nodes, game.num_actions)
    store = game.init(batch * nodes)
    _write_rows(store, np.arange(batch) * nodes, root)
    return tree, store, ~root.done


def evaluate_roots(
    tree: Tree,
    game: Game,
    root: State,
    evaluate: Evaluator,
    keys: np.ndarray,
    active: np.ndarray,
    noise: SearchConfig | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate the live roots once, fill node 0 and count its visit; (logits, prior) [B, A]."""
    tree.node_player[:, 0] = root.current_player
    tree.node_terminal[:, 0] = root.done
    tree.children_legal[:, 0] = root.legal_action_mask
    logits = np.zeros((root.batch_size, game.num_actions), dtype=np.float32)
    prior = np.zeros((root.batch_size, game.num_actions), dtype=np.float32)
    value = np.zeros(root.batch_size, dtype=np.float32)
    rows = np.flatnonzero(active)
    if rows.size:
        logits[rows], value[rows] = evaluate(root.take(rows), derive_keys(keys[rows], -1))
        prior[rows] = masked_softmax(logits[rows], root.legal_action_mask[rows])
        if noise is not None and noise.dirichlet_fraction > 0:
            prior[rows] = _mix_dirichlet(prior[rows], root.legal_action_mask[rows], keys[rows], noise)
    tree.children_prior[:, 0] = prior
    tree.node_raw_value[:, 0] = value
    leaf = np.where(active, 0, -1).astype(np.int32)
    tree.backup(leaf, value)
    return logits, prior


def _mix_dirichlet(prior: np.ndarray, mask: np.ndarray, keys: np.ndarray, config: SearchConfig) -> np.ndarray:
    # Per-row generators from the row keys keep batched and single searches equal.
    noisy = prior.copy()
    for i in range(prior.shape[0]):
        legal = np.flatnonzero(mask[i])
        noise = np.random.default_rng(int(keys[i])).dirichlet(np.full(legal.size, config.dirichlet_alpha))
        noisy[i, legal] = (1 - config.dirichlet_fraction) * prior[i, legal] + config.dirichlet_fraction * noise
    return noisy


def expand_and_evaluate(
    tree: Tree, game: Game, store: State, evaluate: Evaluator, node: np.ndarray, action: np.ndarray, keys: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    # Add the selected children, score terminal ones exactly and the others with one evaluator
    # call; rows that reached a terminal node reuse its exact value.
    batch = node.shape[0]
    nodes = tree.node_visits.shape[1]
    leaf = np.full(batch, -1, dtype=np.int32)
    value = np.zeros(batch, dtype=np.float32)
    reached_terminal = np.flatnonzero((node >= 0) & (action < 0))
    leaf[reached_terminal] = node[reached_terminal]
    value[reached_terminal] = tree.terminal_value[reached_terminal, node[reached_terminal]]
    rows = np.flatnonzero(action >= 0)
    if rows.size == 0:
        return leaf, value
    parent, move = node[rows], action[rows]
    # The selected moves are legal by construction (selection only picks legal children) and
    # `take` already copied the parents, so the in-place kernel runs without `step`'s
    # validation and second copy.
    child = store.take(rows * nodes + parent)
    child.rewards.fill(0.0)
    game.apply(child, move.astype(np.int64), np.ones(rows.size, dtype=np.bool_))
    exact = child.rewards[np.arange(rows.size), child.current_player]
    new = np.empty(rows.size, dtype=np.int32)
    record_children(
        tree.parents,
        tree.action_from_parent,
        tree.children_index,
        tree.node_player,
        tree.node_terminal,
        tree.children_legal,
        tree.terminal_value,
        tree.node_raw_value,
        tree.num_nodes,
        rows,
        parent,
        move,
        child.current_player,
        child.done,
        child.legal_action_mask,
        exact,
        new,
    )
    _write_rows(store, rows * nodes + new, child)
    leaf[rows] = new
    value[rows] = exact
    live = np.flatnonzero(~child.done)
    if live.size:
        evaluated = child if live.size == rows.size else child.take(live)
        logits, leaf_value = evaluate(evaluated, keys[rows[live]])
        leaf_value = np.asarray(leaf_value, dtype=np.float32)
        record_evaluations(
            tree.children_prior,
            tree.node_raw_value,
            rows[live],
            new[live],
            np.asarray(logits, dtype=np.float32),
            evaluated.legal_action_mask,
            leaf_value,
        )
        value[rows[live]] = leaf_value
    return leaf, value


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
