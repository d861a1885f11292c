"""Tree reuse: the subtree below the move actually played becomes the next search's tree, so its
statistics are not thrown away (AlphaZero, Leela, KataGo keep it; mctx does not).

    previous = run_search(game, state, evaluator, config, keys)
    ... play previous.action (and the opponent's reply) ...
    reuse = Reuse(previous, rows=np.arange(B), nodes=next_root_nodes(previous, played))
    out = search(game, next_state, evaluator, config, keys, reuse=reuse)

Each new row j continues from node `nodes[j]` of row `rows[j]` of the previous tree (-1 starts
afresh). The subtree is copied breadth-first into a tree with room for the new simulations; the
root keeps its visits, values and prior (noise, if configured, is mixed into that prior again).
Gumbel search does not reuse trees: its sequential halving starts from an unvisited root.
Shapes: B batch, N nodes, A actions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from boardzoo.agents.search.driver import SearchOutput
from boardzoo.agents.search.tree import Tree
from boardzoo.envs import Game, State

NODE_FIELDS = (
    "node_visits",
    "node_value_sum",
    "node_player",
    "node_terminal",
    "node_raw_value",
    "terminal_value",
    "node_proven",
    "action_from_parent",
)
CHILD_FIELDS = ("children_prior", "children_visits", "children_value_sum", "children_legal")


@dataclass(frozen=True)
class Reuse:
    """Where each new root sits in a previous search's tree.

    Attributes:
      previous: the previous search's output (its tree and node states).
      rows: int[B], the previous row each new row continues.
      nodes: int[B], the node of that row that is the new root (-1: no reuse for this row).
    """

    previous: SearchOutput
    rows: np.ndarray
    nodes: np.ndarray


def next_root_nodes(previous: SearchOutput, played: np.ndarray) -> np.ndarray:
    """int32[B]: the child of each root reached by the action played (-1 if never expanded)."""
    played = np.asarray(played, dtype=np.int64)
    rows = np.arange(played.shape[0])
    nodes = previous.tree.children_index[rows, 0, np.maximum(played, 0)]
    return np.where(played >= 0, nodes, -1).astype(np.int32)


def reroot(game: Game, root: State, reuse: Reuse, simulations: int) -> tuple[Tree, State, np.ndarray]:
    """(tree, node-state store, reused bool[B]): each reused row holds its subtree, with room for
    `simulations` more nodes; the other rows hold only their root, as `new_tree` does."""
    old, old_store = reuse.previous.tree, reuse.previous.states
    if old_store is None:
        raise ValueError("the previous search kept no node states to reuse")
    rows = np.asarray(reuse.rows, dtype=np.int64)
    nodes = np.asarray(reuse.nodes, dtype=np.int32)
    if rows.shape != (root.batch_size,) or nodes.shape != (root.batch_size,):
        raise ValueError(f"reuse rows and nodes must have shape ({root.batch_size},), got {rows.shape}, {nodes.shape}")
    old_capacity = old.node_visits.shape[1]
    order, count = _subtree_order(old.children_index, rows, nodes)
    capacity = int(count.max(initial=0)) + simulations + 1
    batch = root.batch_size
    tree = Tree.empty(batch, capacity, game.num_actions)
    store = game.init(batch * capacity)
    reused = nodes >= 0
    width = order.shape[1]
    valid = np.arange(width)[None, :] < count[:, None]  # [B, M]
    source_rows = np.broadcast_to(rows[:, None], (batch, width))
    j, k = np.nonzero(valid)
    source = (source_rows[j, k], order[j, k])
    for name in NODE_FIELDS:
        getattr(tree, name)[j, k] = getattr(old, name)[source]
    for name in CHILD_FIELDS:
        getattr(tree, name)[j, k] = getattr(old, name)[source]
    renumber = np.full((batch, old_capacity), -1, np.int32)
    renumber[j, order[j, k]] = k
    old_children = old.children_index[source]  # [K, A]
    tree.children_index[j, k] = np.where(old_children >= 0, renumber[j[:, None], np.maximum(old_children, 0)], -1)
    old_parents = old.parents[source]
    tree.parents[j, k] = np.where(k > 0, renumber[j, np.maximum(old_parents, 0)], -1)
    tree.action_from_parent[j, np.zeros_like(j)] = -1
    tree.num_nodes[:] = np.where(reused, count, 1)
    for name, field in store.__dict__.items():
        field[j * capacity + k] = old_store.__dict__[name][source_rows[j, k] * old_capacity + order[j, k]]
    fresh = np.flatnonzero(~reused)
    for name, field in store.__dict__.items():
        field[fresh * capacity] = root.__dict__[name][fresh]
    return tree, store, reused


def _subtree_order(children_index: np.ndarray, rows: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # (order int32[B, M], count int32[B]): the subtree's nodes breadth first (root first).
    order = np.zeros((rows.shape[0], children_index.shape[1]), np.int32)
    count = np.zeros(rows.shape[0], np.int32)
    _breadth_first(children_index, rows, nodes, order, count)
    return order[:, : max(int(count.max(initial=0)), 1)], count


@numba.njit(cache=True)
def _breadth_first(children_index, rows, nodes, order, count):
    for j in range(rows.shape[0]):
        if nodes[j] < 0:
            continue
        b = rows[j]
        order[j, 0] = nodes[j]
        size, head = 1, 0
        while head < size:
            node = order[j, head]
            head += 1
            for a in range(children_index.shape[2]):
                child = children_index[b, node, a]
                if child >= 0:
                    order[j, size] = child
                    size += 1
        count[j] = size


def find_positions(previous: SearchOutput, played: np.ndarray, state: State) -> Reuse:
    """Locate each row of `state` among the positions the previous search reached after the
    moves `played` (int[B'] of the previous batch): the chosen child or one of its children
    (after an opponent's reply), matched by content. Rows found nowhere start afresh."""
    if previous.states is None:
        raise ValueError("the previous search kept no node states to reuse")
    tree, store = previous.tree, previous.states
    capacity = tree.node_visits.shape[1]
    known: dict[bytes, tuple[int, int]] = {}
    for b in np.flatnonzero(np.asarray(played) >= 0):
        child = int(tree.children_index[b, 0, int(played[b])])
        if child < 0:
            continue
        candidates = [child, *(int(g) for g in tree.children_index[b, child] if g >= 0)]
        for node in candidates:
            known.setdefault(_row_key(store, b * capacity + node), (int(b), node))
    found = [known.get(_row_key(state, j), (0, -1)) for j in range(state.batch_size)]
    rows, nodes = (np.array(column, dtype=np.int64) for column in zip(*found, strict=True))
    return Reuse(previous, rows, nodes.astype(np.int32))


def _row_key(state: State, row: int) -> bytes:
    return b"".join(np.ascontiguousarray(field[row]).tobytes() for field in state.__dict__.values())
