"""The one simulation loop under every search (mctx style): a tree of arrays, node states kept
as kernel rows in a store, one evaluator call per simulation for the whole batch, and selection
by rule codes (`selection.py`), so PUCT, UCT and Gumbel differ only in how they choose.

    tree, store, active = new_tree(game, root, simulations)
    logits, prior = evaluate_roots(tree, game, root, evaluate, keys, active)
    simulate(tree, game, store, evaluate, keys, active, Rules(root=GUMBEL, interior=GUMBEL, ...), simulations)

Shapes: B batch, N nodes (simulations + 1), A actions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from boardzoo.agents.search.evaluators import Evaluator
from boardzoo.agents.search.policy import masked_softmax
from boardzoo.agents.search.selection import PUCT, select_leaves
from boardzoo.agents.search.tree import Tree, record_children, record_evaluations
from boardzoo.envs import Game, State


@dataclass(frozen=True)
class SearchOutput:
    """What every search returns, for B roots (finished roots: action -1, no visits).

    Attributes:
      action: int64[B], the action the search chooses (PUCT/UCT: most visited, lowest index on
        ties; Gumbel: the sequential-halving winner).
      policy: float32[B, A], the policy training target (PUCT/UCT: visit counts normalised;
        Gumbel: the improved policy softmax(logits + σ(completed q̂))).
      visits: int32[B, A], root child visit counts.
      q: float32[B, A], root action values for the root player (PUCT/UCT: mean, 0 if unvisited;
        Gumbel: completed by the mixed value).
      prior: float32[B, A], the root prior (after noise).
      root_value: float32[B], mean value of the root for its player.
      tree: the full tree.
      proofs: int8[B, A], with the MCTS-solver on: each root action's proven value for the
        root player (+1, 0, -1; `Tree.UNPROVEN` where not proven); None otherwise.
      states: the node positions (row b * N + n holds node n of row b), for tree reuse.
    """

    action: np.ndarray
    policy: np.ndarray
    visits: np.ndarray
    q: np.ndarray
    prior: np.ndarray
    root_value: np.ndarray
    tree: Tree
    proofs: np.ndarray | None = None
    states: State | None = None

    @property
    def improved_policy(self) -> np.ndarray:
        """The policy target under its Gumbel name."""
        return self.policy


@dataclass(frozen=True)
class Rules:
    """How `simulate` selects: the rule at the root and below it, with their constants."""

    root: int = PUCT
    interior: int = PUCT
    exploration: float = 1.25
    fpu_reduction: float = 0.25
    c_visit: float = 50.0
    c_scale: float = 0.1
    gumbel: np.ndarray | None = None  # float64[B, A], Gumbel root noise (Gumbel root only)
    root_logits: np.ndarray | None = None  # float[B, A], normalised root logits (Gumbel root only)
    considered_visits: np.ndarray | None = None  # int32[B, S]: per simulation, the visit target at the root
    solver: bool = False  # MCTS-solver: propagate proven values, take proven wins, avoid proven losses


def simulate(
    tree: Tree,
    game: Game,
    store: State,
    evaluate: Evaluator,
    keys: np.ndarray,
    active: np.ndarray,
    rules: Rules,
    simulations: int,
) -> None:
    """Run `simulations` simulations on every active row: select a leaf, expand it with the
    game's kernel and evaluate it (one batched evaluator call), back the value up."""
    batch, num_actions = active.shape[0], tree.children_index.shape[2]
    node = np.empty(batch, dtype=np.int32)
    action = np.empty(batch, dtype=np.int32)
    gumbel = rules.gumbel if rules.gumbel is not None else np.zeros((batch, num_actions))
    root_logits = rules.root_logits if rules.root_logits is not None else np.zeros((batch, num_actions))
    no_targets = np.zeros(batch, dtype=np.int32)
    for simulation in range(simulations):
        considered = rules.considered_visits[:, simulation] if rules.considered_visits is not None else no_targets
        select_leaves(
            tree.node_visits,
            tree.node_terminal,
            tree.node_raw_value,
            tree.children_index,
            tree.children_prior,
            tree.children_visits,
            tree.children_value_sum,
            tree.children_legal,
            tree.node_proven,
            tree.node_player,
            rules.solver,
            active,
            rules.root,
            rules.interior,
            rules.exploration,
            rules.fpu_reduction,
            rules.c_visit,
            rules.c_scale,
            gumbel,
            root_logits,
            np.ascontiguousarray(considered),
            node,
            action,
        )
        leaf, value = expand_and_evaluate(tree, game, store, evaluate, node, action, derive_keys(keys, simulation))
        tree.backup(leaf, value)
        if rules.solver:
            tree.propagate_proofs(leaf)


def root_proofs(tree: Tree) -> np.ndarray:
    """int8[B, A]: each root action's proven value for the root player (UNPROVEN if unknown)."""
    proofs = np.full(tree.children_index.shape[::2], Tree.UNPROVEN, np.int8)
    for b, a in zip(*np.nonzero(tree.children_index[:, 0] >= 0), strict=True):
        child = tree.children_index[b, 0, a]
        value = tree.node_proven[b, child]
        if value != Tree.UNPROVEN:
            proofs[b, a] = value if tree.node_player[b, child] == tree.node_player[b, 0] else -value
    return proofs


def solver_action(action: np.ndarray, visits: np.ndarray, proofs: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """int64[B]: `action`, except that a proven win is always taken (the most visited one) and a
    proven loss is never chosen while a legal action is not proven lost."""
    action = action.copy()
    for b in np.flatnonzero(action >= 0):
        wins = proofs[b] == 1
        if wins.any():
            action[b] = int(np.where(wins, visits[b], -1).argmax())
        elif proofs[b, action[b]] == -1 and (legal[b] & (proofs[b] != -1)).any():
            action[b] = int(np.where(legal[b] & (proofs[b] != -1), visits[b], -1).argmax())
    return action


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
    noise: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate the live roots once, fill node 0 and count its visit; (logits, prior) [B, A].
    `noise(prior, mask, keys)`, if given, perturbs the live roots' prior (Dirichlet noise)."""
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
        if noise is not None:
            prior[rows] = noise(prior[rows], root.legal_action_mask[rows], keys[rows])
    tree.children_prior[rows, 0] = prior[rows]
    tree.node_raw_value[rows, 0] = value[rows]
    leaf = np.where(active, 0, -1).astype(np.int32)
    tree.backup(leaf, value)
    return logits, prior


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
        tree.node_proven,
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
