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

from collections.abc import Sequence
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
    """Where each new root sits in the trees of one or more previous searches.

    Attributes:
      previous: the previous search's output (its tree and node states), or several (a player
        whose calls alternate between groups of games, as in a match with seats alternated).
      rows: int[B], the row of its previous search each new row continues.
      nodes: int[B], the node of that row that is the new root (-1: no reuse for this row).
      sources: int[B], which of `previous` each row continues (None: the first, or only, one).
    """

    previous: SearchOutput | tuple[SearchOutput, ...]
    rows: np.ndarray
    nodes: np.ndarray
    sources: np.ndarray | None = None

    @property
    def searches(self) -> tuple[SearchOutput, ...]:
        """The previous searches, as a tuple."""
        return tuple(self.previous) if isinstance(self.previous, tuple | list) else (self.previous,)


def next_root_nodes(previous: SearchOutput, played: np.ndarray) -> np.ndarray:
    """int32[B]: the child of each root reached by the action played (-1 if never expanded)."""
    played = np.asarray(played, dtype=np.int64)
    rows = np.arange(played.shape[0])
    nodes = previous.tree.children_index[rows, 0, np.maximum(played, 0)]
    return np.where(played >= 0, nodes, -1).astype(np.int32)


def reroot(game: Game, root: State, reuse: Reuse, simulations: int) -> tuple[Tree, State, np.ndarray]:
    """(tree, node-state store, reused bool[B]): each reused row holds its subtree, with room for
    `simulations` more nodes; the other rows hold only their root, as `driver.open_search` gives them."""
    searches = reuse.searches
    if any(previous.states is None for previous in searches):
        raise ValueError("the previous search kept no node states to reuse")
    rows, nodes, sources = _checked_indices(reuse, root.batch_size, searches)
    groups = []  # (previous search, its new rows, their subtrees' order and sizes)
    for index, previous in enumerate(searches):
        new_rows = np.flatnonzero((sources == index) & (nodes >= 0))
        if new_rows.size:
            groups.append(
                (previous, new_rows, *_subtree_order(previous.tree.children_index, rows[new_rows], nodes[new_rows]))
            )
    capacity = max((int(count.max()) for *_, count in groups), default=0) + simulations + 1
    batch = root.batch_size
    tree = Tree.empty(batch, capacity, game.num_actions)
    store = game.init(batch * capacity)
    for previous, new_rows, order, count in groups:
        _copy_subtrees(previous, rows[new_rows], order, count, tree, store, new_rows)
    reused = nodes >= 0
    fresh = np.flatnonzero(~reused)
    for name, field in store.__dict__.items():
        field[fresh * capacity] = root.__dict__[name][fresh]
    return tree, store, reused


def _checked_indices(
    reuse: Reuse, batch: int, searches: tuple[SearchOutput, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # (rows, nodes, sources) of a Reuse as int arrays [B], each reused row pointing at a node of
    # its previous search (the numba copy does not check bounds); ValueError naming the bad ones.
    arrays = []
    for name, value in (("rows", reuse.rows), ("nodes", reuse.nodes), ("sources", reuse.sources)):
        array = np.zeros(batch, np.int64) if value is None else np.asarray(value)
        if array.shape != (batch,) or not (array.dtype.kind in "iu" or array.size == 0):
            raise ValueError(f"reuse {name} must be {batch} ints, got {array.dtype} values of shape {array.shape}")
        arrays.append(array.astype(np.int64))
    rows, nodes, sources = arrays
    reused = np.flatnonzero(nodes >= 0)
    bad = reused[(sources[reused] < 0) | (sources[reused] >= len(searches))]
    if bad.size:
        raise ValueError(
            f"reuse sources must index the {len(searches)} previous searches; row {bad[0]} has {sources[bad[0]]}"
        )
    for index, previous in enumerate(searches):
        mine = reused[sources[reused] == index]
        sizes = previous.tree.num_nodes
        in_range = (rows[mine] >= 0) & (rows[mine] < sizes.shape[0])
        valid = in_range & (nodes[mine] < sizes[np.where(in_range, rows[mine], 0)])
        if not valid.all():
            j = int(mine[~valid][0])
            held = f" and {sizes[rows[j]]} nodes in that row" if 0 <= rows[j] < sizes.shape[0] else ""
            raise ValueError(
                f"reuse row {j} points at node {nodes[j]} of row {rows[j]} of previous search {index}, "
                f"which has {sizes.shape[0]} rows{held}"
            )
    return rows, nodes.astype(np.int32), sources


def _copy_subtrees(
    previous: SearchOutput,
    rows: np.ndarray,
    order: np.ndarray,
    count: np.ndarray,
    tree: Tree,
    store: State,
    new_rows: np.ndarray,
) -> None:
    # Copy the subtree of each previous row rows[i] (its nodes order[i, :count[i]], breadth
    # first) into new row new_rows[i] of `tree` and `store`, renumbered 0 .. count[i] - 1.
    old, old_store = previous.tree, previous.states
    assert old_store is not None
    old_capacity, capacity = old.node_visits.shape[1], tree.node_visits.shape[1]
    i, k = np.nonzero(np.arange(order.shape[1])[None, :] < count[:, None])
    j, source = new_rows[i], (rows[i], order[i, k])
    for name in (*NODE_FIELDS, *CHILD_FIELDS):
        getattr(tree, name)[j, k] = getattr(old, name)[source]
    renumber = np.full((len(rows), old_capacity), -1, np.int32)
    renumber[i, order[i, k]] = k
    old_children = old.children_index[source]  # [K, A]
    tree.children_index[j, k] = np.where(old_children >= 0, renumber[i[:, None], np.maximum(old_children, 0)], -1)
    tree.parents[j, k] = np.where(k > 0, renumber[i, np.maximum(old.parents[source], 0)], -1)
    tree.action_from_parent[new_rows, 0] = -1
    tree.num_nodes[new_rows] = count
    for name, field in store.__dict__.items():
        field[j * capacity + k] = old_store.__dict__[name][rows[i] * old_capacity + order[i, k]]


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
    return find_in_searches(((previous, played),), state)


def find_in_searches(searches: Sequence[tuple[SearchOutput, np.ndarray]], state: State) -> Reuse:
    """`find_positions` over several previous searches, each with the moves played from its roots
    (newest first: a position found in several continues the first). A player whose calls see
    different games in turn (a match, with seats alternated) keeps its last few searches."""
    if not searches:
        raise ValueError("find_in_searches needs at least one previous search")
    known: dict[bytes, tuple[int, int, int]] = {}
    for source, (previous, played) in enumerate(searches):
        if previous.states is None:
            raise ValueError("the previous search kept no node states to reuse")
        tree, store = previous.tree, previous.states
        capacity = tree.node_visits.shape[1]
        for b in np.flatnonzero(np.asarray(played) >= 0):
            child = int(tree.children_index[b, 0, int(played[b])])
            if child < 0:
                continue
            candidates = [child, *(int(g) for g in tree.children_index[b, child] if g >= 0)]
            for node in candidates:
                known.setdefault(_row_key(store, b * capacity + node), (source, int(b), node))
    found = np.array([known.get(_row_key(state, j), (0, 0, -1)) for j in range(state.batch_size)], np.int64)
    sources, rows, nodes = found.reshape(-1, 3).T
    outputs = tuple(previous for previous, _ in searches)
    return Reuse(outputs if len(outputs) > 1 else outputs[0], rows, nodes.astype(np.int32), sources)


def _row_key(state: State, row: int) -> bytes:
    return b"".join(np.ascontiguousarray(field[row]).tobytes() for field in state.__dict__.values())
