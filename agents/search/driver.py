"""The one simulation loop under every search (mctx style): a tree of arrays, node states kept
as kernel rows in a store, one evaluator call per simulation for the whole batch, and selection
by rule codes (`selection.py`), so PUCT, UCT and Gumbel differ only in how they choose. All of
a simulation but the evaluator call is one numba call (`simulation.py`).

    buffers, active = open_search(game, root, simulations)
    logits, prior = evaluate_roots(buffers.tree, game, root, evaluate, keys, active)
    simulate(buffers, game, evaluate, keys, active, Rules(root=GUMBEL, ...), simulations)
    tree, store = pool.give_back(game, buffers)

Shapes: B batch, N nodes (simulations + 1), A actions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from boardzoo.agents.search import pool
from boardzoo.agents.search.evaluators import Evaluator, RolloutEvaluator
from boardzoo.agents.search.policy import masked_softmax
from boardzoo.agents.search.pool import SearchBuffers
from boardzoo.agents.search.selection import PUCT
from boardzoo.agents.search.simulation import Simulator, mix_keys
from boardzoo.agents.search.specialise import is_numba_kernel
from boardzoo.agents.search.tree import Tree
from boardzoo.envs import Game, State
from boardzoo.envs.core import BoundObserve, BoundPlayout


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
      tree: the full tree (no later search writes it).
      proofs: int8[B, A], with the MCTS-solver on: each root action's proven value for the
        root player (+1, 0, -1; `Tree.UNPROVEN` where not proven); None otherwise.
      states: the node positions (row b * N + n holds node n of row b, for the nodes in the
        tree; other rows are unspecified), for tree reuse.
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


BLOCK_BYTES = 6 * 2**20
"""Tree and node-state bytes per block of rows when the evaluator gains nothing from wide
batches: every simulation sweeps all rows of a block, so a block that fits the last-level
cache keeps the sweep out of main memory. Before blocking, rollout UCT at B = 1,024 ran at
0.77x (Connect Four) and 0.79x (Hex 7x7) of its speed at its best batch. Measured at
B = 1,024, 200 simulations (32 MB L3): 12 MB blocks 491k / 266k sims/s (Connect Four / Hex
7x7), 6 MB 543k / 265k, 3 MB 547k / 239k."""


def simulate(
    buffers: SearchBuffers,
    game: Game,
    evaluate: Evaluator,
    keys: np.ndarray,
    active: np.ndarray,
    rules: Rules,
    simulations: int,
) -> None:
    """Run `simulations` simulations on every active row: select a leaf, expand it with the
    game's kernel and evaluate it (one batched evaluator call), back the value up. All but
    the evaluator call is one numba call per simulation (`simulation.py`). An evaluator with
    `evaluate_observations` (see `evaluators.py`) gets the leaves' observations written in that
    call, on games whose observation is a numba kernel.

    Rows are independent, so an evaluator that sets `wide_batches_help = False` (rollouts)
    has the rows simulated in cache-sized blocks (`BLOCK_BYTES`), each block's S simulations
    before the next's, with results equal to one pass over all rows. A `RolloutEvaluator`
    with one playout per leaf runs inside the numba loop (with the game's `playout_fn` where
    that is a `bind_playout` loop): a block's whole search is one call
    (`Simulator.run_with_playouts`).

    `buffers` holds the search's tree and node-state store (`open_search`, or
    `SearchBuffers(tree, store, pooled=False)` for a tree built elsewhere), written in place.
    Pooled ones keep the simulator for the next search of their shape, which reuses it where
    `Simulator.reuse` allows (same rule constants and array shapes, same `observe`)."""
    tree, store = buffers.tree, buffers.store
    batch = tree.num_nodes.shape[0]
    block = batch if getattr(evaluate, "wide_batches_help", True) else block_rows(tree, store)
    evaluate_observations = observation_entry(evaluate, game)
    for start in range(0, batch, block):
        rows = slice(start, min(start + block, batch))
        if block < batch:
            tree_part, store_part, keys_part, active_part, rules_part = _rows_of(tree, store, keys, active, rules, rows)
        else:
            tree_part, store_part, keys_part, active_part, rules_part = tree, store, keys, active, rules
        observe = evaluate_observations is not None
        if buffers.pooled and block == batch:
            simulator = buffers.simulator
            if simulator is None or not simulator.reuse(keys, active, rules, observe=observe):
                simulator = buffers.simulator = Simulator(tree, game, store, keys, active, rules, observe=observe)
        else:
            simulator = Simulator(tree_part, game, store_part, keys_part, active_part, rules_part, observe=observe)
        if simulator.fused and _plays_out_in_numba(evaluate, game):
            simulator.run_with_playouts(simulations, game.max_game_length + 1)
            continue
        logits = values = None
        for simulation in range(simulations):
            leaves = simulator.step(simulation, logits, values)
            logits = values = None
            if leaves is None:
                continue
            if leaves.observation is not None:
                logits, values = evaluate_observations(leaves.observation, leaves.keys)
            else:
                logits, values = evaluate(leaves.state, leaves.keys)
        simulator.finish(logits, values)


def observation_entry(evaluate: Evaluator, game: Game) -> Callable[..., tuple[np.ndarray, np.ndarray]] | None:
    """`evaluate.evaluate_observations` where the search may call it instead of `evaluate` on
    its leaves' observations of `game`, else None: only where the class that defines the call
    also defines it (a subclass that changes the call is not bypassed) and the evaluator's own
    game, if it names one, observes as `game` does."""
    entry = getattr(evaluate, "evaluate_observations", None)
    if entry is None:
        return None
    call_owner, entry_owner = (
        next((kind for kind in type(evaluate).__mro__ if name in kind.__dict__), None)
        for name in ("__call__", "evaluate_observations")
    )
    own = getattr(getattr(evaluate, "game", game), "observe_fn", None)
    same_observation = own is game.observe_fn or (isinstance(own, BoundObserve) and own.same_as(game.observe_fn))
    return entry if call_owner is entry_owner and same_observation else None


def _plays_out_in_numba(evaluate: Evaluator, game: Game) -> bool:
    # Whether `evaluate` is exactly what `Simulator.run_with_playouts` computes in numba.
    own = game.playout_fn
    numba_playouts = own is None or (isinstance(own, BoundPlayout) and is_numba_kernel(own.kernel))
    one_playout = type(evaluate) is RolloutEvaluator and evaluate.num_rollouts == 1
    return one_playout and evaluate.game is game and numba_playouts


def block_rows(tree: Tree, store: State) -> int:
    """Rows per block: as many as fit `BLOCK_BYTES` of tree arrays and node states (at least 1)."""
    batch = tree.num_nodes.shape[0]
    row_bytes = sum(value.nbytes for value in tree.__dict__.values()) + sum(
        value.nbytes for value in store.__dict__.values()
    )
    return max(1, min(batch, BLOCK_BYTES * batch // max(row_bytes, 1)))


def _rows_of(
    tree: Tree, store: State, keys: np.ndarray, active: np.ndarray, rules: Rules, rows: slice
) -> tuple[Tree, State, np.ndarray, np.ndarray, Rules]:
    # Views of rows [start, stop) of a search: the trees, their node states (row b * N + n)
    # and the per-row rule arrays, written in place by the block's simulations.
    nodes = tree.node_visits.shape[1]
    store_rows = slice(rows.start * nodes, rows.stop * nodes)
    part_rules = dataclasses.replace(
        rules,
        **{
            name: getattr(rules, name)[rows]
            for name in ("gumbel", "root_logits", "considered_visits")
            if getattr(rules, name) is not None
        },
    )
    return (
        Tree(**{name: value[rows] for name, value in tree.__dict__.items()}),
        store._from_arrays({name: value[store_rows] for name, value in store.__dict__.items()}),
        keys[rows],
        active[rows],
        part_rules,
    )


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
    out = np.empty(keys.shape, dtype=np.uint64)
    salt = np.uint64((0xA0761D6478BD642F * (index + 2)) % 2**64)
    mix_keys(np.ascontiguousarray(keys, dtype=np.uint64).reshape(-1), salt, out.reshape(-1))
    return out


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


def open_search(game: Game, root: State, simulations: int) -> tuple[SearchBuffers, np.ndarray]:
    """A search's buffers, the rows to search (bool[B], the unfinished roots): an empty tree
    of simulations + 1 nodes per row and the node-state store holding the roots, pooled for
    small searches (`pool.py`). Pass them to `simulate`; end the search with
    `pool.give_back`, which returns the tree and store to keep."""
    batch, nodes = root.batch_size, simulations + 1
    buffers = pool.take(game, batch, nodes)
    _write_rows(buffers.store, np.arange(batch) * nodes, root)
    return buffers, ~root.done


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
    live_rows = np.flatnonzero(active)
    # Every row live (the usual case): slices, not index arrays, for the copies below.
    rows = slice(None) if live_rows.size == root.batch_size else live_rows
    if live_rows.size:
        live = root if live_rows.size == root.batch_size else root.take(live_rows)
        logits[rows], value[rows] = evaluate(live, derive_keys(keys[rows], -1))
        prior[rows] = masked_softmax(logits[rows], root.legal_action_mask[rows])
        if noise is not None:
            prior[rows] = noise(prior[rows], root.legal_action_mask[rows], keys[rows])
    tree.children_prior[rows, 0] = prior[rows]
    tree.node_raw_value[rows, 0] = value[rows]
    leaf = np.where(active, 0, -1).astype(np.int32)
    tree.backup(leaf, value)
    return logits, prior
