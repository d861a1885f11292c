"""Buffers that small searches reuse: a tree, a node-state store and the `Simulator` bound to
them, kept between searches of the same game and shape.

At batch 1 a search's fixed costs (allocating some thirty arrays for the tree, the store and
the simulator's buffers, building the numba workspace, finding the compiled step) outweigh
its 32 simulations' bookkeeping. A search small enough (`POOLED_BYTES`) takes spare buffers
of its shape, clears them, and gives them back when it has copied its results out, so what
it returns never aliases buffers that a later search writes.

    buffers = take(game, batch, nodes)      # cleared; `buffers.simulator` None or reusable
    ...                                     # the search, in buffers.tree and buffers.store
    tree, store = give_back(game, buffers)  # copies, safe to keep

Thread-safe and re-entrant: a buffer set is held by one search at a time (taken from the
spares, or new when none is spare); one that a failed search never gives back is dropped.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from boardzoo.agents.search.simulation import Simulator
from boardzoo.agents.search.tree import Tree
from boardzoo.envs import Game, State

POOLED_BYTES = 256 * 2**10
"""Searches whose tree and node states take at most this many bytes reuse pooled buffers
(batch 1 up to a few hundred simulations on the registered games); larger ones allocate
their own, where the copies out would cost more than the allocation saves."""

SPARES_PER_SHAPE = 2
"""Spare buffer sets kept per (game, batch, nodes)."""

SHAPES = 16
"""Shapes kept, the least recently used dropped first."""


@dataclass
class SearchBuffers:
    """One search's tree and node-state store, and the simulator bound to them once a search
    has built one (`driver.simulate` keeps it here for the next search)."""

    tree: Tree
    store: State
    pooled: bool
    simulator: Simulator | None = None
    held: bool = True
    """taken by a search and not given back yet"""


_lock = threading.Lock()
_spares: OrderedDict[tuple[int, int, int], tuple[Game, list[SearchBuffers]]] = OrderedDict()


def search_bytes(tree: Tree, store: State) -> int:
    """Bytes of a search's tree and node-state store."""
    return sum(array.nbytes for array in (*tree.__dict__.values(), *store.__dict__.values()))


def take(game: Game, batch: int, nodes: int) -> SearchBuffers:
    """Buffers for a search of `batch` rows and `nodes` nodes a row: a cleared spare set when
    the search is small and one is kept, else new ones (`pooled` says whether they are to be
    given back). The store's rows hold stale positions until the search writes them."""
    key = (id(game), batch, nodes)
    with _lock:
        entry = _spares.get(key)
        spare = entry[1].pop() if entry is not None and entry[0] is game and entry[1] else None
    if spare is not None:
        spare.tree.clear()
        spare.held = True
        return spare
    tree, store = Tree.empty(batch, nodes, game.num_actions), game.init(batch * nodes)
    return SearchBuffers(tree, store, pooled=search_bytes(tree, store) <= POOLED_BYTES)


def give_back(game: Game, buffers: SearchBuffers) -> tuple[Tree, State]:
    """The search's tree and store to keep: copies of pooled buffers (which are kept for the
    next search of their shape), the buffers themselves otherwise."""
    if not buffers.held:
        raise ValueError("these search buffers were given back already (a set serves one search at a time)")
    if not buffers.pooled:
        return buffers.tree, buffers.store
    buffers.held = False
    tree, store = buffers.tree.copy(), buffers.store.copy()
    key = (id(game), buffers.tree.num_nodes.shape[0], buffers.tree.node_visits.shape[1])
    with _lock:
        entry = _spares.get(key)
        if entry is None or entry[0] is not game:
            entry = _spares[key] = (game, [])
        _spares.move_to_end(key)
        if len(entry[1]) < SPARES_PER_SHAPE:
            entry[1].append(buffers)
        while len(_spares) > SHAPES:
            _spares.popitem(last=False)
    return tree, store


def clear() -> None:
    """Drop every spare buffer set."""
    with _lock:
        _spares.clear()


def spare_count() -> int:
    """How many buffer sets are kept."""
    with _lock:
        return sum(len(spares) for _, spares in _spares.values())


__all__ = ["POOLED_BYTES", "SearchBuffers", "clear", "give_back", "search_bytes", "spare_count", "take"]
