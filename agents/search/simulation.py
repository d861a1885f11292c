"""A simulation's bookkeeping in numba: everything but the evaluator call, over one workspace.

Per simulation the driver makes one numba call, then the evaluator call:

    step(workspace, simulation, logits, values)   # numba: the last simulation's results in,
                                                  # select, expand, the new leaves out
    logits, values = evaluate(leaves, keys)       # Python: the K live new leaves

and the numba call does, for every batch row: write the last simulation's evaluations (priors,
values) and back every leaf up (MCTS-solver proofs too), descend to a leaf with the selection
rules (`selection.select_row`), gather the parent's node-state row into a B-row leaf buffer,
step the game's in-place kernel on the rows that expand, record the new children (exact values
of finished ones), write their rows into the node-state store and, for an evaluator that reads
only observations (`evaluate_observations`), write the live leaves' observations with the
game's numba observation kernel (`BoundObserve`). The kernel calls are bound per
game (`specialise.with_kernel`), so the whole step is one compiled function for games whose
`apply` is a numba `BoundKernel` (every registered game). Any other game takes the generic
path: the same two numba halves around a Python call of `game.apply` on the leaf buffer, with
the same results.

For one random playout per leaf (`RolloutEvaluator`) the evaluator is numba too, and a
whole search is one call (`Simulator.run_with_playouts`): each simulation's bookkeeping, then
the playouts of its new leaves, stepping the kernel or running the game's `bind_playout` loop.

The workspace is a numba structref holding the tree's arrays, the store, the leaf buffer and
the selection rules, so a call passes one object however many arrays it holds.
Shapes: B batch, N nodes, A actions, S simulations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numba
import numpy as np
from llvmlite import ir
from numba import literal_unroll
from numba.core import cgutils, types
from numba.experimental import structref
from numba.extending import intrinsic

from boardzoo.agents.search.evaluators import ROLLOUT_SALT, playout_loop
from boardzoo.agents.search.selection import GUMBEL, select_row
from boardzoo.agents.search.specialise import is_numba_kernel, with_kernel
from boardzoo.agents.search.tree import Tree, backup_row, propagate_row, record_child, record_evaluation
from boardzoo.envs import Game, State
from boardzoo.envs._sampling import legal_mask_views
from boardzoo.envs.core import BoundKernel, BoundObserve, BoundPlayout

if TYPE_CHECKING:
    from boardzoo.agents.search.driver import Rules


@structref.register
class WorkspaceType(types.StructRef):
    def preprocess_fields(self, fields: Any) -> tuple[tuple[str, Any], ...]:
        return tuple((name, types.unliteral(kind)) for name, kind in fields)


class Workspace(structref.StructRefProxy):
    """The arrays and rules of one search, as numba sees them (read through `Simulator`)."""


TREE_FIELDS = (
    "node_visits",
    "node_value_sum",
    "node_player",
    "node_terminal",
    "node_raw_value",
    "terminal_value",
    "node_proven",
    "parents",
    "action_from_parent",
    "children_index",
    "children_prior",
    "children_visits",
    "children_value_sum",
    "children_legal",
    "num_nodes",
)
WORKSPACE_FIELDS = (
    *TREE_FIELDS,
    # node states: the store's and the leaf buffer's fields (held, so that the addresses stay
    # valid), their (address, row stride) and bytes per row, the leaf fields in kernel order
    "state_fields",
    "store_layout",
    "leaf_layout",
    "row_sizes",
    "kernel_arrays",
    "constants",
    "leaf_player",
    "leaf_mask",
    "leaf_rewards",
    "leaf_terminated",
    "leaf_truncated",
    # observations of the live new leaves (the game's numba observation kernel, if any, with
    # its leaf-buffer arrays and constants; written when `observing`)
    "observe_arrays",
    "observe_constants",
    "observing",
    "observation",
    # rules
    "active",
    "solver",
    "root_rule",
    "interior_rule",
    "rule_constants",
    "gumbel",
    "root_logits",
    "considered",
    "keys",
    # per-simulation buffers
    "node",
    "action",
    "expand",
    "leaf",
    "value",
    "evaluated",
    "evaluated_keys",
    "pending",
    "scratch",
)
structref.define_proxy(Workspace, WorkspaceType, list(WORKSPACE_FIELDS))


@numba.njit(cache=True)
def _new_workspace(
    node_visits,
    node_value_sum,
    node_player,
    node_terminal,
    node_raw_value,
    terminal_value,
    node_proven,
    parents,
    action_from_parent,
    children_index,
    children_prior,
    children_visits,
    children_value_sum,
    children_legal,
    num_nodes,
    state_fields,
    store_layout,
    leaf_layout,
    row_sizes,
    kernel_arrays,
    constants,
    leaf_player,
    leaf_mask,
    leaf_rewards,
    leaf_terminated,
    leaf_truncated,
    observe_arrays,
    observe_constants,
    observing,
    observation,
    active,
    solver,
    root_rule,
    interior_rule,
    rule_constants,
    gumbel,
    root_logits,
    considered,
    keys,
    node,
    action,
    expand,
    leaf,
    value,
    evaluated,
    evaluated_keys,
    pending,
    scratch,
):
    return Workspace(
        node_visits,
        node_value_sum,
        node_player,
        node_terminal,
        node_raw_value,
        terminal_value,
        node_proven,
        parents,
        action_from_parent,
        children_index,
        children_prior,
        children_visits,
        children_value_sum,
        children_legal,
        num_nodes,
        state_fields,
        store_layout,
        leaf_layout,
        row_sizes,
        kernel_arrays,
        constants,
        leaf_player,
        leaf_mask,
        leaf_rewards,
        leaf_terminated,
        leaf_truncated,
        observe_arrays,
        observe_constants,
        observing,
        observation,
        active,
        solver,
        root_rule,
        interior_rule,
        rule_constants,
        gumbel,
        root_logits,
        considered,
        keys,
        node,
        action,
        expand,
        leaf,
        value,
        evaluated,
        evaluated_keys,
        pending,
        scratch,
    )


_KEY_SALT = np.uint64(0xA0761D6478BD642F)


@numba.njit(cache=True)
def derive_key(key, index):
    # The index-th sub-key of a row's key (index >= -2), as `driver.derive_keys`.
    return _mix(key ^ (_KEY_SALT * np.uint64(index + 2)))


@numba.njit(cache=True)
def mix_keys(keys, salt, out):
    # out[i] = the SplitMix64 finaliser of keys[i] ^ salt (`driver.derive_keys`).
    for i in range(keys.shape[0]):
        out[i] = _mix(keys[i] ^ salt)


@numba.njit(cache=True)
def _mix(x):
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


@intrinsic
def _memcpy(typingctx, target, source, size):
    # memcpy(target, source, size) on addresses held as intp.
    def codegen(context, builder, signature, args):
        target, source, size = args
        pointer = ir.IntType(8).as_pointer()
        cgutils.raw_memcpy(builder, builder.inttoptr(target, pointer), builder.inttoptr(source, pointer), size, 1)

    return types.void(types.intp, types.intp, types.intp), codegen


@intrinsic
def _borrowed(typingctx, array):
    # `array` without its reference: the same data, shape and strides, no owner (null meminfo
    # and parent), so numba's per-use reference counting of it is a no-op. Only for locals of
    # a function whose workspace keeps the owning array alive for the whole call. The rows'
    # loops below pass a dozen arrays down to inlined helpers per row and per node; with owned
    # arrays each pass is an atomic increment and decrement per array.
    def codegen(context, builder, signature, args):
        source = context.make_array(signature.args[0])(context, builder, args[0])
        target = context.make_array(signature.return_type)(context, builder)
        for name in ("data", "shape", "strides", "itemsize", "nitems"):
            setattr(target, name, getattr(source, name))
        target.meminfo = cgutils.get_null_value(target.meminfo.type)
        target.parent = cgutils.get_null_value(target.parent.type)
        return target._getvalue()

    return array(array), codegen


@numba.njit(cache=True, inline="always")
def _copy_row(source_layout, source, target_layout, target, row_sizes):
    # Node-state row `source` of one state to row `target` of another (the store or the leaf
    # buffer), a block of row_sizes[f] bytes per field f; layout[f] = (address, row stride).
    for f in range(row_sizes.shape[0]):
        _memcpy(
            target_layout[f, 0] + target * target_layout[f, 1],
            source_layout[f, 0] + source * source_layout[f, 1],
            row_sizes[f],
        )


def field_layout(state: State) -> tuple[np.ndarray, np.ndarray]:
    """(layout intp[F, 2], row sizes intp[F]) of the fields of `state`: each field's address and
    row stride, and the bytes of one row (each row of a field must be one contiguous block)."""
    fields = tuple(state.__dict__.values())
    for name, field in state.__dict__.items():
        if field.ndim > 1 and not field[0].flags.c_contiguous:
            raise ValueError(f"node states need fields whose rows are contiguous; {name!r}'s are not")
    layout = np.empty((len(fields), 2), dtype=np.intp)
    sizes = np.empty(len(fields), dtype=np.intp)
    _field_layout(fields, layout, sizes)
    return layout, sizes


@numba.njit(cache=True)
def _field_layout(fields, layout, sizes):
    i = 0
    for field in literal_unroll(fields):
        layout[i, 0] = field.ctypes.data
        layout[i, 1] = field.strides[0]
        sizes[i] = field.itemsize * (field.size // field.shape[0])
        i += 1  # noqa: SIM113 - numba cannot enumerate literal_unroll


@numba.njit(cache=True)
def begin_simulation(ws, simulation, logits, values):
    # Finish the last simulation (its evaluations, then each row's backup), then select and
    # gather the leaves of `simulation` (< 0: finish only). Returns how many rows expand.
    # One pass over the rows does all of a row's work, so the descent finds the path the
    # backup just walked in cache. The fields are read once into borrowed locals (`_borrowed`):
    # the row loop then passes plain arrays without reference counting.
    node_visits, node_value_sum = _borrowed(ws.node_visits), _borrowed(ws.node_value_sum)
    node_player, node_terminal = _borrowed(ws.node_player), _borrowed(ws.node_terminal)
    node_raw_value, terminal_value = _borrowed(ws.node_raw_value), _borrowed(ws.terminal_value)
    node_proven, parents = _borrowed(ws.node_proven), _borrowed(ws.parents)
    action_from_parent, children_index = _borrowed(ws.action_from_parent), _borrowed(ws.children_index)
    children_prior, children_visits = _borrowed(ws.children_prior), _borrowed(ws.children_visits)
    children_value_sum, children_legal = _borrowed(ws.children_value_sum), _borrowed(ws.children_legal)
    leaf, value, evaluated = _borrowed(ws.leaf), _borrowed(ws.value), _borrowed(ws.evaluated)
    pending, active, considered = _borrowed(ws.pending), _borrowed(ws.active), _borrowed(ws.considered)
    rule_constants, gumbel = ws.rule_constants, _borrowed(ws.gumbel)
    root_logits, scratch = _borrowed(ws.root_logits), _borrowed(ws.scratch)
    selected, action, expand = _borrowed(ws.node), _borrowed(ws.action), _borrowed(ws.expand)
    store_layout, leaf_layout = _borrowed(ws.store_layout), _borrowed(ws.leaf_layout)
    row_sizes, leaf_rewards = _borrowed(ws.row_sizes), _borrowed(ws.leaf_rewards)
    logits, values = _borrowed(logits), _borrowed(values)
    root_rule, interior_rule, solver = ws.root_rule, ws.interior_rule, ws.solver
    nodes = node_visits.shape[1]
    next_evaluated, num_evaluated = 0, pending[0]  # evaluated rows ascend
    pending[0] = 0
    expanding = 0
    for b in range(leaf.shape[0]):
        if next_evaluated < num_evaluated and evaluated[next_evaluated] == b:
            i = next_evaluated
            record_evaluation(children_prior, node_raw_value, children_legal, b, leaf[b], logits[i], values[i])
            value[b] = values[i]
            next_evaluated += 1
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
            if solver:
                propagate_row(
                    node_proven, node_player, terminal_value, parents, children_index, children_legal, b, leaf[b]
                )
            leaf[b] = -1
        expand[b] = False
        selected[b] = -1
        if simulation < 0 or not active[b]:
            continue
        target = considered[b, simulation] if root_rule == GUMBEL else 0
        node, move = select_row(
            node_visits,
            node_terminal,
            node_raw_value,
            children_index,
            children_prior,
            children_visits,
            children_value_sum,
            children_legal,
            node_proven,
            node_player,
            solver,
            b,
            root_rule,
            interior_rule,
            rule_constants,
            gumbel,
            root_logits,
            target,
            scratch,
        )
        selected[b] = node
        if move < 0:  # a terminal (or proven) node: its exact value
            leaf[b] = node
            value[b] = terminal_value[b, node]
            continue
        action[b] = move
        expand[b] = True
        _copy_row(store_layout, b * nodes + node, leaf_layout, b, row_sizes)
        for p in range(leaf_rewards.shape[1]):
            leaf_rewards[b, p] = 0.0
        expanding += 1
    return expanding


@numba.njit(cache=True)
def end_simulation(ws, simulation):
    # After the kernel stepped the expanding rows of the leaf buffer: record the new children,
    # store their rows, and list the live ones for the evaluator. Returns how many.
    parents, action_from_parent = _borrowed(ws.parents), _borrowed(ws.action_from_parent)
    children_index, node_player = _borrowed(ws.children_index), _borrowed(ws.node_player)
    node_terminal, children_legal = _borrowed(ws.node_terminal), _borrowed(ws.children_legal)
    terminal_value, node_proven = _borrowed(ws.terminal_value), _borrowed(ws.node_proven)
    node_raw_value, num_nodes = _borrowed(ws.node_raw_value), _borrowed(ws.num_nodes)
    selected, action, expand = _borrowed(ws.node), _borrowed(ws.action), _borrowed(ws.expand)
    leaf_player, leaf_mask = _borrowed(ws.leaf_player), _borrowed(ws.leaf_mask)
    leaf_rewards, leaf_terminated = _borrowed(ws.leaf_rewards), _borrowed(ws.leaf_terminated)
    leaf_truncated, keys = _borrowed(ws.leaf_truncated), _borrowed(ws.keys)
    store_layout, leaf_layout = _borrowed(ws.store_layout), _borrowed(ws.leaf_layout)
    row_sizes, leaf = _borrowed(ws.row_sizes), _borrowed(ws.leaf)
    value, evaluated, evaluated_keys = _borrowed(ws.value), _borrowed(ws.evaluated), _borrowed(ws.evaluated_keys)
    nodes = ws.node_visits.shape[1]
    count = 0
    for b in range(leaf.shape[0]):
        if not expand[b]:
            continue
        player = leaf_player[b]
        done = leaf_terminated[b] or leaf_truncated[b]
        exact = leaf_rewards[b, player]
        new = record_child(
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
            selected[b],
            action[b],
            player,
            done,
            leaf_mask[b],
            exact,
        )
        _copy_row(leaf_layout, b, store_layout, b * nodes + new, row_sizes)
        leaf[b] = new
        value[b] = exact
        if not done:  # to the evaluator: rows 0..count-1 of the buffer hold the live leaves
            if count != b:
                _copy_row(leaf_layout, b, leaf_layout, count, row_sizes)
            evaluated[count] = b
            evaluated_keys[count] = derive_key(keys[b], simulation)
            count += 1
    ws.pending[0] = count
    return count


def _fused_template(ws, simulation, logits, values):
    # Compiled per game kernel by `with_kernel`, which also binds `observe` (the game's numba
    # observation kernel, or `_no_observe`).
    if begin_simulation(ws, simulation, logits, values) > 0:
        arrays = ws.kernel_arrays
        constants = ws.constants
        kernel(*arrays, ws.action, ws.expand, *constants)  # noqa: F821 - bound by with_kernel
    count = end_simulation(ws, simulation)
    if ws.observing and count > 0:
        observe(*ws.observe_arrays, ws.leaf_player, ws.observation, count, *ws.observe_constants)  # noqa: F821
    return count


def _rollout_template(
    ws, simulations, logits, outcome, player, mask, words, playout_keys, max_plies, own, own_arrays, own_constants
):
    # A whole search whose evaluator is one uniformly random playout per leaf
    # (`RolloutEvaluator`), in one call: each simulation's bookkeeping, then the playouts of
    # its live leaves, played in the leaf buffer (their rows are already stored). Compiled per
    # game kernel by `with_kernel`, which also binds `playouts` (the evaluator's step-by-step
    # `playout_loop` for this kernel) and `own_playout` (the game's `bind_playout` loop, or a
    # stand-in when `own` is False). logits: float32[B, A] zeros (the uniform prior).
    salt = ROLLOUT_SALT
    for simulation in range(simulations):
        if begin_simulation(ws, simulation, logits, outcome) > 0:
            kernel(*ws.kernel_arrays, ws.action, ws.expand, *ws.constants)  # noqa: F821 - bound by with_kernel
        count = end_simulation(ws, simulation)
        for i in range(count):
            player[i] = ws.leaf_player[i]
            outcome[i] = 0.0
            playout_keys[i] = ws.evaluated_keys[i] ^ salt
        if count == 0:
            continue
        if own:
            own_playout(*own_arrays, playout_keys, outcome, count, *own_constants)  # noqa: F821 - bound
        else:
            playouts(  # noqa: F821 - bound by with_kernel
                ws.kernel_arrays,
                ws.constants,
                mask,
                words,
                ws.leaf_terminated,
                ws.leaf_truncated,
                ws.leaf_rewards,
                player,
                playout_keys,
                max_plies,
                outcome,
                count,
            )
    begin_simulation(ws, -1, logits, outcome)


@numba.njit(cache=True)
def _no_playout(*args):
    # The stand-in for `own_playout` in games that have no playout loop of their own.
    pass


@numba.njit(cache=True)
def _no_observe(*args):
    # The stand-in for `observe` in games whose observation is not a numba kernel.
    pass


class Leaves(NamedTuple):
    """The live new leaves of one simulation, for the evaluator (valid until the next step)."""

    state: State
    """K rows of the game's state."""
    keys: np.ndarray
    """uint64[K], each leaf's key."""
    observation: np.ndarray | None
    """float32[K, C, H, W], `game.observe(state)` written by the fused step when the simulator
    observes, else None."""


class Simulator:
    """The numba side of `driver.simulate` for one search: the workspace and its buffers.

    `step(simulation, logits, values)` finishes the last simulation with the evaluator's
    output for its leaves and runs the bookkeeping of `simulation`; it returns the live new
    leaves (`Leaves`), or None when no row needs the evaluator. `finish(logits, values)` ends
    the last simulation. With `observe=True`, a fused game whose `observe_fn` is a numba
    `BoundObserve` has its leaves' observations written in the same numba call
    (`observing` says whether they are).
    """

    def __init__(
        self,
        tree: Tree,
        game: Game,
        store: State,
        keys: np.ndarray,
        active: np.ndarray,
        rules: Rules,
        *,
        observe: bool = False,
    ) -> None:
        batch, num_actions = active.shape[0], game.num_actions
        self.game = game
        self.batch = batch
        self.num_actions = num_actions
        self.leaves = game.init(batch)
        apply, observe_fn = game.apply, game.observe_fn
        self.fused = isinstance(apply, BoundKernel) and is_numba_kernel(apply.kernel)
        # (a game whose observed fields are not C-contiguous keeps its observation out of numba)
        observed = observe_fn.arrays(self.leaves) if isinstance(observe_fn, BoundObserve) else ()
        numba_observe = (
            isinstance(observe_fn, BoundObserve)
            and is_numba_kernel(observe_fn.kernel)
            and all(array.flags.c_contiguous for array in observed)
        )
        self.observing = bool(observe) and self.fused and numba_observe
        self._step = (
            with_kernel(_fused_template, apply.kernel, observe=observe_fn.kernel if numba_observe else _no_observe)
            if self.fused
            else None
        )
        self.observation = np.zeros((batch if self.observing else 0, *game.observation_shape), np.float32)
        self.action = np.zeros(batch, np.int64)
        self.expand = np.zeros(batch, np.bool_)
        self.evaluated = np.zeros(batch, np.int32)
        self.evaluated_keys = np.zeros(batch, np.uint64)
        if store.batch_size != batch * tree.node_visits.shape[1] or tree.node_visits.shape[0] != batch:
            raise ValueError(f"the store must hold B * N = {batch} * {tree.node_visits.shape[1]} node states")
        store_layout, row_sizes = field_layout(store)
        leaf_layout, leaf_sizes = field_layout(self.leaves)
        if list(store.__dict__) != list(self.leaves.__dict__) or not np.array_equal(row_sizes, leaf_sizes):
            raise ValueError(f"{game!r}: the node-state store and init() disagree on the fields")
        kernel_arrays = apply.arrays(self.leaves) if self.fused else ()
        constants = apply.constants if self.fused else ()
        leaves = self.leaves
        self.rules_signature = _rules_signature(rules)
        self.observe_requested = bool(observe)
        # Owned copies of the per-search rule arrays, so that `reuse` can refill them in place.
        self._active = np.array(active, dtype=np.bool_)
        self._keys = np.array(keys, dtype=np.uint64)
        self._gumbel = np.zeros((batch, num_actions)) if rules.gumbel is None else np.array(rules.gumbel, np.float64)
        self._root_logits = (
            np.zeros((batch, num_actions)) if rules.root_logits is None else np.array(rules.root_logits, np.float64)
        )
        self._considered = (
            np.zeros((batch, 1), np.int32)
            if rules.considered_visits is None
            else np.array(rules.considered_visits, np.int32)
        )
        self.workspace = _new_workspace(
            *(getattr(tree, name) for name in TREE_FIELDS),
            (*store.__dict__.values(), *self.leaves.__dict__.values()),
            store_layout,
            leaf_layout,
            row_sizes,
            kernel_arrays,
            constants,
            leaves.current_player,
            leaves.legal_action_mask,
            leaves.rewards,
            leaves.terminated,
            leaves.truncated,
            observed if numba_observe else (),
            observe_fn.constants if numba_observe else (),
            self.observing,
            self.observation,
            self._active,
            bool(rules.solver),
            int(rules.root),
            int(rules.interior),
            (float(rules.exploration), float(rules.fpu_reduction), float(rules.c_visit), float(rules.c_scale)),
            self._gumbel,
            self._root_logits,
            self._considered,
            self._keys,
            np.full(batch, -1, np.int32),
            self.action,
            self.expand,
            np.full(batch, -1, np.int32),
            np.zeros(batch, np.float32),
            self.evaluated,
            self.evaluated_keys,
            np.zeros(1, np.int64),
            np.empty((2, num_actions)),
        )
        self._entry = None  # the fused step's compiled entry point, once its types are known
        self._none_logits = np.zeros((0, num_actions), np.float32)
        self._none_values = np.zeros(0, np.float32)
        self._pending = 0
        self._first_rows: dict[int, Leaves] = {}  # views of the leaf buffers' first K rows

    def reuse(self, keys: np.ndarray, active: np.ndarray, rules: Rules, *, observe: bool = False) -> bool:
        """Prepare a finished simulator for another search over its tree and store arrays
        (which the caller has cleared: `Tree.clear`), with new keys uint64[B], live rows bool[B]
        and rule arrays, as a new simulator would hold them; its compiled step and buffers are
        kept. False (nothing changed) where the simulator is mid-search, or `rules` differ in a
        constant or in a rule array's shape, or `observe` differs, from what it was built with."""
        if self._pending or _rules_signature(rules) != self.rules_signature or bool(observe) != self.observe_requested:
            return False
        arrays = ((self._gumbel, rules.gumbel), (self._root_logits, rules.root_logits))
        arrays += ((self._considered, rules.considered_visits),)
        if any(new is not None and np.shape(new) != own.shape for own, new in arrays):
            return False
        np.copyto(self._active, active)
        np.copyto(self._keys, keys, casting="same_kind")
        for own, new in arrays:
            if new is None:
                own[...] = 0  # what __init__ holds for a rule without this array
            else:
                np.copyto(own, new, casting="same_kind")
        return True

    def step(self, simulation: int, logits: np.ndarray | None, values: np.ndarray | None) -> Leaves | None:
        if self._pending:
            logits, values = self._results(logits, values)
        else:
            logits, values = self._none_logits, self._none_values
        if self._entry is not None:
            count = self._entry(self.workspace, simulation, logits, values)
        elif self.fused:
            count = self._step(self.workspace, simulation, logits, values)
            self._entry = _entry_point(self._step, self.workspace)
        else:
            if begin_simulation(self.workspace, simulation, logits, values) > 0:
                self.game.apply(self.leaves, self.action, self.expand)
            count = end_simulation(self.workspace, simulation)
        self._pending = count
        if count == 0:
            return None
        leaves = self._first_rows.get(count)
        if leaves is None:
            state = self.leaves
            if count < self.batch:
                state = state._from_arrays({name: field[:count] for name, field in state.__dict__.items()})
            observation = self.observation[:count] if self.observing else None
            leaves = self._first_rows[count] = Leaves(state, self.evaluated_keys[:count], observation)
        return leaves

    def run_with_playouts(self, simulations: int, max_plies: int) -> None:
        """All `simulations` simulations with one random playout per live leaf as its value and
        a uniform prior (what `RolloutEvaluator(game)` returns), in one numba call: the search
        `driver.simulate` runs for that evaluator on a fused game."""
        if not self.fused or self._pending:
            raise ValueError("run_with_playouts needs a fused game and a fresh simulator")
        apply, own = self.game.apply, self.game.playout_fn
        if own is not None and not (isinstance(own, BoundPlayout) and is_numba_kernel(own.kernel)):
            raise ValueError(f"{self.game!r}: its playout_fn is not a numba loop (bind_playout)")
        run = with_kernel(
            _rollout_template,
            apply.kernel,
            playouts=with_kernel(playout_loop, apply.kernel),
            own_playout=_no_playout if own is None else own.kernel,
        )
        mask, words = legal_mask_views(self.leaves.legal_action_mask)
        run(
            self.workspace,
            simulations,
            np.zeros((self.batch, self.num_actions), np.float32),
            np.zeros(self.batch, np.float32),
            np.zeros(self.batch, np.int32),
            mask,
            words,
            np.zeros(self.batch, np.uint64),
            max_plies,
            own is not None,
            () if own is None else own.arrays(self.leaves),
            () if own is None else own.constants,
        )

    def finish(self, logits: np.ndarray | None, values: np.ndarray | None) -> None:
        logits, values = self._results(logits, values)
        begin_simulation(self.workspace, -1, logits, values)
        self._pending = 0

    def _results(self, logits: np.ndarray | None, values: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        # The evaluator's output for the pending leaves as float32 [K, A] and [K] (checked:
        # numba reads them without bounds checks).
        if self._pending == 0:
            return self._none_logits, self._none_values
        if not (  # already what numba reads (the usual case): no conversion calls
            type(logits) is np.ndarray
            and type(values) is np.ndarray
            and logits.dtype == _FLOAT32
            and values.dtype == _FLOAT32
            and logits.flags.c_contiguous
            and values.flags.c_contiguous
        ):
            logits = np.ascontiguousarray(logits, dtype=np.float32)
            values = np.ascontiguousarray(values, dtype=np.float32)
        if logits.shape != (self._pending, self.num_actions) or values.shape != (self._pending,):
            raise ValueError(
                f"the evaluator returned logits {logits.shape} and values {values.shape} for "
                f"{self._pending} leaves; expected ({self._pending}, {self.num_actions}) and ({self._pending},)"
            )
        return logits, values


def _rules_signature(rules: Rules) -> tuple[Any, ...]:
    # The rule constants a simulator bakes into its workspace (its arrays are refilled by `reuse`).
    constants = (rules.exploration, rules.fpu_reduction, rules.c_visit, rules.c_scale)
    return int(rules.root), int(rules.interior), tuple(float(c) for c in constants), bool(rules.solver)


_FLOAT32 = np.dtype(np.float32)
_LOGITS_TYPE = types.float32[:, ::1]
_VALUES_TYPE = types.float32[::1]


def _entry_point(dispatcher: Any, workspace: Workspace) -> Any:
    # The compiled fused step for (this workspace, int, float32 C arrays), called without
    # numba's per-call type dispatch (about half of the call's cost at batch 1). Every later
    # step passes arguments of exactly these types (`_results` makes them so).
    signature = (numba.typeof(workspace), types.int64, _LOGITS_TYPE, _VALUES_TYPE)
    overload = dispatcher.overloads.get(signature)
    return None if overload is None else overload.entry_point
