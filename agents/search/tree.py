"""The search tree of B games as arrays (mctx style), and its numba kernels.

Node 0 of each row is the root; nodes are allocated in order as the search expands them.
Values are stored from the point of view of the player to move at the node that owns them:
`node_value_sum[b, n]` for the player to move at n, `children_value_sum[b, n, a]` for the
player choosing a at n. The sign flips whenever the player to move changes between a node
and its child (every ply in these games, but passes need not alternate in general).

Shapes: B batch, N nodes (simulations + 1), A actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numba
import numpy as np

UNPROVEN = 2
"""`node_proven` of a node whose value is not proven (MCTS-solver)"""


@dataclass(frozen=True)
class Tree:
    """Search statistics of B trees of at most N nodes (arrays are written in place).

    From `empty` and `copy`, children_index, children_prior, children_visits and
    children_value_sum are strided views of one int32[B, N, A, 4] block (a child's four numbers side by side);
    `np.ascontiguousarray` gives a contiguous copy.
    """

    ROOT_INDEX: ClassVar[int] = 0
    UNVISITED: ClassVar[int] = -1
    UNPROVEN: ClassVar[int] = UNPROVEN

    node_visits: np.ndarray  # int32[B, N]
    node_value_sum: np.ndarray  # float32[B, N]
    node_player: np.ndarray  # int32[B, N]
    node_terminal: np.ndarray  # bool[B, N]
    node_raw_value: np.ndarray  # float32[B, N], the evaluator's (or exact terminal) value
    terminal_value: np.ndarray  # float32[B, N], exact value of terminal (and proven) nodes
    node_proven: np.ndarray  # int8[B, N], proven value for the player to move (+1, 0, -1) or UNPROVEN
    parents: np.ndarray  # int32[B, N], -1 at the root
    action_from_parent: np.ndarray  # int32[B, N]
    children_index: np.ndarray  # int32[B, N, A], UNVISITED where not expanded
    children_prior: np.ndarray  # float32[B, N, A]
    children_visits: np.ndarray  # int32[B, N, A]
    children_value_sum: np.ndarray  # float32[B, N, A]
    children_legal: np.ndarray  # bool[B, N, A]
    num_nodes: np.ndarray  # int32[B]

    @classmethod
    def empty(cls, batch_size: int, num_nodes: int, num_actions: int) -> Tree:
        """B trees holding only their root, nothing visited (each field at its `_EMPTY` value)."""
        b, n, a = batch_size, num_nodes, num_actions
        tree = cls._packed(
            np.zeros((b, n, a, 4), np.int32),
            **{name: np.zeros((b, n), dtype) for name, dtype in _NODE_FIELDS.items()},
            children_legal=np.zeros((b, n, a), np.bool_),
            num_nodes=np.zeros(b, np.int32),
        )
        for name, value in _EMPTY.items():
            tree.__dict__[name][...] = value
        return tree

    @classmethod
    def _packed(cls, children: np.ndarray, **fields: np.ndarray) -> Tree:
        # A tree whose children_* fields are views of `children` int32[B, N, A, 4]: a child's
        # index, prior, visits and value sum side by side (16 bytes), so a descent reads a
        # node's children from two cache lines instead of four (in large trees they miss the
        # cache).
        real = children.view(np.float32)
        return cls(
            children_index=children[..., 0],
            children_prior=real[..., 1],
            children_visits=children[..., 2],
            children_value_sum=real[..., 3],
            **fields,
        )

    def clear(self) -> None:
        """Reset every array in place to what `empty` holds (each root alone, nothing visited)."""
        for name, value in self.__dict__.items():
            value[...] = _EMPTY.get(name, 0)

    def copy(self) -> Tree:
        """A copy that shares no memory with this tree (the children fields packed as `empty`
        packs them)."""
        children = np.empty((*self.children_index.shape, 4), np.int32)
        real = children.view(np.float32)
        children[..., 0], real[..., 1] = self.children_index, self.children_prior
        children[..., 2], real[..., 3] = self.children_visits, self.children_value_sum
        return self._packed(
            children, **{name: value.copy() for name, value in self.__dict__.items() if name not in _PACKED}
        )

    def backup(self, leaf: np.ndarray, value: np.ndarray) -> None:
        """Add value[b] (for the player to move at leaf[b], int32[B]; -1 skips the row) along
        each row's path to the root."""
        backup(
            self.node_visits,
            self.node_value_sum,
            self.node_player,
            self.parents,
            self.action_from_parent,
            self.children_visits,
            self.children_value_sum,
            leaf,
            value,
        )

    def propagate_proofs(self, leaf: np.ndarray) -> None:
        """MCTS-solver: prove what the new leaves int32[B] prove, up their paths."""
        propagate_proofs(
            self.node_proven,
            self.node_player,
            self.terminal_value,
            self.parents,
            self.children_index,
            self.children_legal,
            leaf,
        )

    def root_visits(self) -> np.ndarray:
        """int32[B, A]: visit counts of the root's children."""
        return self.children_visits[:, self.ROOT_INDEX]

    def root_value(self) -> np.ndarray:
        """float32[B]: mean value of the root for its player to move (0 if never visited)."""
        visits = np.maximum(self.node_visits[:, self.ROOT_INDEX], 1)
        return self.node_value_sum[:, self.ROOT_INDEX] / visits

    def root_q(self) -> np.ndarray:
        """float32[B, A]: mean value of each root action for the root player (0 if unvisited)."""
        visits = self.children_visits[:, self.ROOT_INDEX]
        return self.children_value_sum[:, self.ROOT_INDEX] / np.maximum(visits, 1)


_PACKED = ("children_index", "children_prior", "children_visits", "children_value_sum")
# The fields `Tree._packed` views in one block.

_NODE_FIELDS = {
    "node_visits": np.int32,
    "node_value_sum": np.float32,
    "node_player": np.int32,
    "node_terminal": np.bool_,
    "node_raw_value": np.float32,
    "terminal_value": np.float32,
    "node_proven": np.int8,
    "parents": np.int32,
    "action_from_parent": np.int32,
}
# The [B, N] fields and their dtypes.

_EMPTY = {
    "node_proven": UNPROVEN,
    "parents": -1,
    "action_from_parent": -1,
    "children_index": Tree.UNVISITED,
    "num_nodes": 1,
}
# The values of an empty tree's fields that do not start at zero (`Tree.empty`, `Tree.clear`).


@numba.njit(cache=True)
def backup(
    node_visits,
    node_value_sum,
    node_player,
    parents,
    action_from_parent,
    children_visits,
    children_value_sum,
    leaf,
    value,
):
    # Add value[b] (for the player to move at leaf[b]) along the path to the root; rows with
    # leaf < 0 are skipped.
    for b in range(leaf.shape[0]):
        if leaf[b] >= 0:
            backup_row(
                node_visits,
                node_value_sum,
                node_player,
                parents,
                action_from_parent,
                children_visits,
                children_value_sum,
                b,
                leaf[b],
                value[b],
            )


@numba.njit(cache=True, inline="always")
def backup_row(
    node_visits,
    node_value_sum,
    node_player,
    parents,
    action_from_parent,
    children_visits,
    children_value_sum,
    b,
    node,
    v,
):
    # Add v (for the player to move at node) along row b's path from node to the root.
    while True:
        node_visits[b, node] += 1
        node_value_sum[b, node] += v
        parent = parents[b, node]
        if parent < 0:
            break
        if node_player[b, parent] != node_player[b, node]:
            v = -v
        a = action_from_parent[b, node]
        children_visits[b, parent, a] += 1
        children_value_sum[b, parent, a] += v
        node = parent


@numba.njit(cache=True, inline="always")
def record_child(
    parents,
    action_from_parent,
    children_index,
    node_player,
    node_terminal,
    children_legal,
    terminal_value,
    node_proven,
    node_raw_value,
    num_nodes,
    b,
    parent,
    move,
    child_player,
    child_done,
    child_mask,
    child_exact,
):
    # Allocate row b's next node as the child of parent by move and record its player, legal
    # moves and, for a finished child, its exact value; returns the new node.
    new = num_nodes[b]
    num_nodes[b] += 1
    parents[b, new] = parent
    action_from_parent[b, new] = move
    children_index[b, parent, move] = new
    node_player[b, new] = child_player
    node_terminal[b, new] = child_done
    for a in range(child_mask.shape[0]):
        children_legal[b, new, a] = child_mask[a]
    if child_done:
        terminal_value[b, new] = child_exact
        node_raw_value[b, new] = child_exact
        node_proven[b, new] = 1 if child_exact > 0 else (-1 if child_exact < 0 else 0)
    return new


@numba.njit(cache=True, inline="always")
def record_evaluation(children_prior, node_raw_value, children_legal, b, n, logits, value):
    # Write softmax(logits[A]) over node n's legal actions as its prior, and its value.
    num_actions = logits.shape[0]
    top = -np.inf
    for a in range(num_actions):
        if children_legal[b, n, a] and logits[a] > top:
            top = logits[a]
    total = 0.0
    for a in range(num_actions):
        weight = np.exp(logits[a] - top) if children_legal[b, n, a] else 0.0
        children_prior[b, n, a] = weight
        total += weight
    for a in range(num_actions):
        children_prior[b, n, a] = children_prior[b, n, a] / total if total > 0 else 0.0
    node_raw_value[b, n] = value


@numba.njit(cache=True, inline="always")
def proven_for_mover(node_proven, node_player, children_index, b, node, a):
    # The proven value of action a at node for the player to move there (UNPROVEN if unknown).
    child = children_index[b, node, a]
    if child < 0 or node_proven[b, child] == UNPROVEN:
        return UNPROVEN
    value = node_proven[b, child]
    return value if node_player[b, child] == node_player[b, node] else -value


@numba.njit(cache=True)
def propagate_proofs(node_proven, node_player, terminal_value, parents, children_index, children_legal, leaf):
    # MCTS-solver: propagate_row for each row's new leaf (rows with leaf < 0 are skipped).
    for b in range(leaf.shape[0]):
        if leaf[b] >= 0:
            propagate_row(node_proven, node_player, terminal_value, parents, children_index, children_legal, b, leaf[b])


@numba.njit(cache=True, inline="always")
def propagate_row(node_proven, node_player, terminal_value, parents, children_index, children_legal, b, leaf):
    # MCTS-solver (Winands et al. 2008): from the leaf's parent up, a node is a proven win for
    # its mover if one action is a proven win, and proven at the best value if every legal
    # action is proven; stop at the first node whose status does not change.
    num_actions = children_index.shape[2]
    node = parents[b, leaf]
    while node >= 0 and node_proven[b, node] == UNPROVEN:
        best, complete = -2, True
        for a in range(num_actions):
            if not children_legal[b, node, a]:
                continue
            value = proven_for_mover(node_proven, node_player, children_index, b, node, a)
            if value == UNPROVEN:
                complete = False
            elif value > best:
                best = value
        if best == 1 or (complete and best > -2):
            node_proven[b, node] = best
            terminal_value[b, node] = best
            node = parents[b, node]
        else:
            break
