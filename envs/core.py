"""The batched game kernel contract shared by every game, and the invariants enforced once.

A game is a `Game` spec plus pure functions over a batched `State` (batch first, numpy
arrays). `Game.step` is the only way to advance a state. It validates the actions, copies
the state (the input is never mutated; a loop that owns its state may pass `in_place=True`
instead), zeroes the rewards and hands it to the game's in-place kernel together with the
rows that may move. So for every game:

- rows that are already finished (or excluded with `where=`) ignore their action and stay
  unchanged, with zero rewards;
- an illegal or out-of-range action on a live row raises `IllegalActionError` naming the
  row, the action and the legal set; nothing is clipped, and the state is left untouched;
- the legal-action mask of a finished row is all False;
- a state belongs to the game that made it: `init` tags it with the game's id, version and
  parameters (its class is a per-game subclass of the game's `State` class, kept by `step`,
  `take`, `copy`, `replace_rows` and `stack`; see `_state`), and every `Game` method refuses
  a state of another game or parameters, or anything that is not such a state, naming both
  (an identity test of the owner key on the hot path).

Bad input raises `ValueError` (a value of the wrong type, dtype, shape or range;
`IllegalActionError` is one) or `TypeError` (an object of the wrong kind where a `State`, a
`Game` or a `numpy.random.Generator` is expected), each naming the value and what is allowed;
nothing is coerced (the checks are in `_checks`). `Game.apply` and the `*_fn` fields are the
game's raw hooks: unchecked, for loops that validated their input once (search).

Symmetries (`Symmetry`, `grid_symmetries`, ...) and the legal-action samplers live in their
own modules and are re-exported here.

Shapes: B batch, A actions, P players, C/H/W observation planes.
"""

from __future__ import annotations

import operator
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from boardzoo.envs._checks import (
    INT64,
    as_array,
    check_actions,
    check_batch_size,
    check_bool_param,
    check_flag,
    check_int_param,
    check_players,
    check_row,
    check_row_mask,
    describe,
    is_int,
)
from boardzoo.envs._sampling import sample_legal_actions, sample_legal_actions_keyed
from boardzoo.envs._state import State, describe_owner, own_state, owner_key, owner_text
from boardzoo.envs._symmetry import SQUARE_SYMMETRIES, Symmetry, cell_symmetries, grid_symmetries

NUM_PLAYERS = 2
CELL_LAYOUTS = ("square", "hex")


class IllegalActionError(ValueError):
    """An action that is out of range or not legal in the row's position."""


InitFn = Callable[[int], State]
ApplyFn = Callable[[State, np.ndarray, np.ndarray], None]
ObserveFn = Callable[[State, np.ndarray], np.ndarray]
RenderFn = Callable[[State, int], str]
CellsFn = Callable[[State], np.ndarray]
ActionNameFn = Callable[[int], str]
PlayoutFn = Callable[[State, np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False)
class Game:
    """A game with fixed parameters: its spec and the kernel functions.

    Attributes:
      id: registry id, e.g. "connect_four".
      version: bumped whenever behaviour changes.
      params: the parameters the game was made with (read-only).
      num_actions: A.
      observation_shape: (C, H, W) of one observation.
      board_shape: (H, W) of the board (for rendering).
      cell_layout: "square" or "hex" (for rendering).
      max_game_length: an upper bound on plies.
      symmetries: board symmetries (identity first).
      apply: in-place kernel `apply(state, action[B], active[B])` (`step` hands it a copy,
        or the caller's state with `in_place=True`, rewards zeroed); must only touch active
        rows and must write rewards only for them (`bind_kernel` builds one for numba).
      observe_fn: `observe_fn(state, player[B]) -> float32[B, C, H, W]` (`bind_observe` builds
        one for numba, which the search's fused simulation also runs on its new leaves).
      render_fn: `render_fn(state, row) -> str`, an ASCII board.
      cells_fn: `cells_fn(state) -> int8[B, H, W]`, 0 empty, 1 + owner's player index.
      action_name: `action_name(action) -> str`, e.g. "c3" (checked: an int in 0..A-1).
      playout_fn: optional `playout_fn(state, keys) -> float32[B]`, the outcome for each row's
        player to move of uniformly random play to the end, row b's move at ply p of the
        playout drawn exactly as `sample_legal_actions_keyed(mask, keys, p)` draws it. A game
        provides it only when it has a faster way than stepping `apply` (Hex fills the board;
        Connect Four plays one row at a time with the kernel's move rule);
        rollout evaluators use it when present (rows must not be finished; `state` is read only).
        A `bind_playout` numba loop also runs inside the search's fused rollouts.

    `apply` and the `*_fn` hooks are unchecked (they trust their input); the methods check.
    """

    id: str
    version: int
    params: Mapping[str, Any]
    num_actions: int
    observation_shape: tuple[int, int, int]
    board_shape: tuple[int, int]
    cell_layout: str
    max_game_length: int
    symmetries: tuple[Symmetry, ...]
    init_fn: InitFn
    apply: ApplyFn
    observe_fn: ObserveFn
    render_fn: RenderFn
    cells_fn: CellsFn
    action_name: ActionNameFn
    num_players: int = NUM_PLAYERS
    playout_fn: PlayoutFn | None = None
    # The owner key of this game's states (see `_state.owner_key`), set by __post_init__. A slot,
    # so `game.__dict__` holds the fields only: `type(game)(**game.__dict__)` rebuilds a game.
    __slots__ = ("__dict__", "__weakref__", "_owner")

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", types.MappingProxyType(dict(self.params)))
        if self.cell_layout not in CELL_LAYOUTS:
            raise ValueError(f"cell_layout {self.cell_layout!r} is not one of {CELL_LAYOUTS}")
        object.__setattr__(self, "_owner", owner_key(self.id, self.version, self.params))
        name = getattr(self.action_name, "unchecked", self.action_name)
        object.__setattr__(self, "action_name", _CheckedActionName(name, self.id, self.num_actions))

    def __reduce__(self) -> tuple[Any, ...]:
        # Games hold closures; pickle them as (id, params) and rebuild through the registry.
        from boardzoo.envs.registry import make

        return (_make_with_params, (make, self.id, dict(self.params)))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Game({self.id!r}{', ' if params else ''}{params})"

    def check_state(self, state: Any) -> None:
        """Raise unless `state` belongs to this game (same id, version and parameters).

        Raises:
          TypeError: `state` is not a `State`.
          ValueError: it belongs to another game or parameters, or to none (built by hand).
        """
        if getattr(type(state), "_owner", None) is not self._owner:
            if not isinstance(state, State):
                raise TypeError(f"{self!r} needs a State made by its init(), got {describe(state)}")
            raise ValueError(
                f"state belongs to {owner_text(state)}, not to {self!r}: a state works only with "
                "the game (and parameters) that made it"
            )

    def init(self, batch_size: int) -> State:
        """B fresh games."""
        return own_state(self.init_fn(check_batch_size(batch_size)), self._owner, check=False)

    def step(
        self, state: State, action: np.ndarray, *, where: np.ndarray | None = None, in_place: bool = False
    ) -> State:
        """Apply one action per row and return the new state (the input is not mutated).

        Args:
          state: B games of this game.
          action: int[B] of any integer dtype; entries of rows that are finished or not in
            `where` are ignored.
          where: optional bool[B]; only these rows move, the others stay unchanged.
          in_place: advance `state` itself instead of a copy, for a loop that owns it (no
            one else holds it): saves allocating and copying every array of the state.

        Returns:
          The next state (`state` itself when `in_place`); `rewards` hold this transition's
          rewards (zero for rows that did not move).

        Raises:
          IllegalActionError: a moving row's action is out of range or illegal (`state`
            is left untouched, also when `in_place`).
          ValueError: `action`, `where` or `in_place` has the wrong type, dtype or shape.
          TypeError, ValueError: `state` is not a state of this game (see `check_state`).
        """
        if getattr(type(state), "_owner", None) is not self._owner:
            self.check_state(state)
        batch = state.current_player.shape[0]
        given = action
        if type(action) is not np.ndarray or action.dtype != INT64 or action.shape != (batch,):
            action = check_actions(action, batch)
        if in_place is not False and in_place is not True:
            in_place = check_flag("in_place", in_place)
        active = ~(state.terminated | state.truncated)
        if where is not None:
            active &= check_row_mask(where, batch, "where")
        row = _first_illegal_row(state.legal_action_mask, action, active)
        if row >= 0:
            self._raise_illegal(state, given if given is not action else action, row)
        new = state if in_place else state.copy()
        new.rewards.fill(0.0)
        self.apply(new, action, active)
        return new

    def resign(self, state: State, rows: np.ndarray, *, in_place: bool = False) -> State:
        """The player to move resigns in the live rows selected by bool[B] `rows`.

        Those rows end (terminated) with -1 for the resigning player and +1 for the other;
        other rows are unchanged with zero rewards. Used to forfeit on an illegal move.
        `in_place` as in `step`.
        """
        self.check_state(state)
        rows = check_row_mask(rows, state.batch_size, "rows") & ~state.done
        new = state if check_flag("in_place", in_place) else state.copy()
        new.rewards.fill(0.0)
        loser = new.current_player[rows]
        new.rewards[rows, loser] = -1.0
        new.rewards[rows, 1 - loser] = 1.0
        new.terminated[rows] = True
        new.legal_action_mask[rows] = False
        new.current_player[rows] = 1 - loser
        new.step_count[rows] += 1
        return new

    def observe(self, state: State, player: np.ndarray | int | None = None) -> np.ndarray:
        """Observations from a player's point of view (own stones first).

        Args:
          state: B games of this game.
          player: int[B] or one int for all rows, each in 0..P-1; default: the player to move.

        Returns:
          float32[B, C, H, W].
        """
        if getattr(type(state), "_owner", None) is not self._owner:
            self.check_state(state)
        if player is None:
            return self.observe_fn(state, state.current_player)
        return self.observe_fn(state, check_players(player, state.batch_size, self.num_players))

    def render(self, state: State, row: int = 0) -> str:
        """An ASCII drawing of one row's board."""
        self.check_state(state)
        return self.render_fn(state, check_row(row, state.batch_size))

    def legal_actions(self, state: State, row: int = 0) -> list[int]:
        """The legal actions of one row, ascending."""
        self.check_state(state)
        return np.flatnonzero(state.legal_action_mask[check_row(row, state.batch_size)]).tolist()

    def _raise_illegal(self, state: State, action: Any, row: int) -> None:
        a = int(as_array(action, "action")[row])  # the value as given (any integer dtype)
        legal = self.legal_actions(state, row)
        if not 0 <= a < self.num_actions:
            reason = f"is out of range 0..{self.num_actions - 1}"
        else:
            reason = f"({self.action_name(a)}) is illegal"
        raise IllegalActionError(f"{self.id}: action {a} in row {row} {reason}; legal actions there: {legal}")


class _CheckedActionName:
    """A game's `action_name` that first checks its argument: one int in 0..A-1."""

    def __init__(self, unchecked: ActionNameFn, game_id: str, num_actions: int) -> None:
        self.unchecked, self.game_id, self.num_actions = unchecked, game_id, num_actions

    def __call__(self, action: int) -> str:
        if not is_int(action) or not 0 <= action < self.num_actions:
            allowed = f"an int in 0..{self.num_actions - 1}"
            raise ValueError(f"{self.game_id}: action must be {allowed}, got {describe(action)}")
        return self.unchecked(operator.index(action))


def _make_with_params(make: Callable[..., Game], game_id: str, params: dict[str, Any]) -> Game:
    return make(game_id, **params)


@numba.njit(cache=True)
def _first_illegal_row(mask: np.ndarray, action: np.ndarray, active: np.ndarray) -> int:
    # Index of the first active row whose action is out of range or illegal, else -1.
    num_actions = mask.shape[1]
    for b in range(action.shape[0]):
        if active[b]:
            a = action[b]
            if a < 0 or a >= num_actions or not mask[b, a]:
                return b
    return -1


def reset_finished(game: Game, state: State, template: State | None = None, *, in_place: bool = False) -> State:
    """Replace finished rows by fresh games (auto-reset), leaving the others unchanged.

    Args:
      game: the game of `state`.
      state: B games.
      template: optional `game.init(1)` to reuse.
      in_place: overwrite `state`'s arrays instead of copying them; for loops that own the
        state (e.g. one just returned by `step`), it saves a full copy per call.

    Returns:
      The new state (`state` itself when `in_place`; else `state` is untouched).
    """
    if not isinstance(game, Game):
        raise TypeError(f"game must be a Game (boardzoo.envs.make(id)), got {describe(game)}")
    game.check_state(state)
    in_place = check_flag("in_place", in_place)
    if template is not None:
        game.check_state(template)
    done = state.done
    if not done.any():
        return state
    template = template if template is not None else game.init(1)
    return state.replace_rows(done, template, in_place=in_place)


def fresh_common_fields(batch_size: int, num_actions: int) -> dict[str, np.ndarray]:
    """The common `State` fields of B new games with every action legal, player 0 to move."""
    return {
        "current_player": np.zeros(batch_size, dtype=np.int32),
        "legal_action_mask": np.ones((batch_size, num_actions), dtype=np.bool_),
        "rewards": np.zeros((batch_size, NUM_PLAYERS), dtype=np.float32),
        "terminated": np.zeros(batch_size, dtype=np.bool_),
        "truncated": np.zeros(batch_size, dtype=np.bool_),
        "step_count": np.zeros(batch_size, dtype=np.int32),
    }


# The common fields most kernels take, in this order, after their own board fields.
KERNEL_FIELDS = ("current_player", "legal_action_mask", "rewards", "terminated", "step_count")


def bind_kernel(kernel: Callable[..., None], fields: tuple[str, ...], *constants: Any) -> BoundKernel:
    """A `Game.apply` that calls a numba kernel on the state's arrays.

    Args:
      kernel: `kernel(*arrays, action, active, *constants)`, updating the arrays in place.
      fields: the names of the state arrays it takes, in order (two or more).
      *constants: the game's fixed parameters, passed last.
    """
    return BoundKernel(kernel, tuple(fields), tuple(constants))


def bind_observe(
    kernel: Callable[..., None], fields: tuple[str, ...], shape: tuple[int, int, int], *constants: Any
) -> BoundObserve:
    """A `Game.observe_fn` that calls a numba kernel on the state's arrays.

    Args:
      kernel: `kernel(*arrays, player, out, rows, *constants)`: for rows 0..rows-1, the
        observation from the point of view of player int32[>= rows] into out float32[>= rows,
        *shape] (every value written); the arrays are only read and are C-contiguous.
      fields: the names of the state arrays it takes, in order.
      shape: (C, H, W) of one observation (the game's `observation_shape`).
      *constants: the game's fixed parameters, passed last.
    """
    return BoundObserve(kernel, tuple(fields), tuple(shape), tuple(constants))


def bind_playout(kernel: Callable[..., None], fields: tuple[str, ...], *constants: Any) -> BoundPlayout:
    """A `Game.playout_fn` that runs a numba playout loop on the state's arrays.

    Args:
      kernel: `kernel(*arrays, keys, outcome, rows, *constants)`: for rows 0..rows-1, the
        outcome of one random playout into outcome float32[≥ rows], keys uint64[≥ rows]; the
        arrays are only read.
      fields: the names of the state arrays it takes, in order.
      *constants: the game's fixed parameters, passed last.
    """
    return BoundPlayout(kernel, tuple(fields), tuple(constants))


class _BoundLoop:
    """A numba loop over a state's arrays, with the fields and constants it takes."""

    __slots__ = ("_arrays", "constants", "fields", "kernel")

    def __init__(self, kernel: Callable[..., None], fields: tuple[str, ...], constants: tuple[Any, ...]) -> None:
        self.kernel = kernel
        self.fields = fields
        self.constants = constants
        self._arrays = operator.attrgetter(*fields)  # picklable, as games travel to workers

    def arrays(self, state: State) -> tuple[np.ndarray, ...]:
        """The state's arrays in the kernel's order (the arrays themselves, not copies)."""
        arrays = self._arrays(state)
        return arrays if len(self.fields) > 1 else (arrays,)  # one field: the array itself


class BoundPlayout(_BoundLoop):
    """A game's numba playout loop with the state fields and constants it takes: callable as
    `playout_fn(state, keys) -> float32[B]`, and open to other numba loops (the search's fused
    rollouts), which call `kernel(*arrays(state), keys, outcome, rows, *constants)`."""

    __slots__ = ()

    def __call__(self, state: State, keys: np.ndarray) -> np.ndarray:
        outcome = np.empty(state.batch_size, dtype=np.float32)
        keys = np.ascontiguousarray(keys, dtype=np.uint64)
        self.kernel(*self.arrays(state), keys, outcome, state.batch_size, *self.constants)
        return outcome


class BoundObserve(_BoundLoop):
    """A game's numba observation kernel with the state fields, observation shape and constants it
    takes: callable as `observe_fn(state, player) -> float32[B, C, H, W]`, and open to other
    numba loops (the search's fused simulation writes the observations of its new leaves), which
    call `kernel(*arrays(state), player, out, rows, *constants)`."""

    __slots__ = ("shape",)

    def __init__(
        self, kernel: Callable[..., None], fields: tuple[str, ...], shape: tuple[int, ...], constants: tuple[Any, ...]
    ) -> None:
        super().__init__(kernel, fields, constants)
        self.shape = shape

    def same_as(self, other: Any) -> bool:
        """Whether `other` writes the same observations: the same kernel on the same fields, with
        the same shape and constants (the observation of a game made twice)."""
        return (
            isinstance(other, BoundObserve)
            and (other.kernel, other.fields, other.shape) == (self.kernel, self.fields, self.shape)
            and len(other.constants) == len(self.constants)
            and all(type(a) is type(b) and a == b for a, b in zip(other.constants, self.constants, strict=True))
        )

    def __call__(self, state: State, player: np.ndarray) -> np.ndarray:
        out = np.empty((state.batch_size, *self.shape), dtype=np.float32)
        arrays = tuple(np.ascontiguousarray(array) for array in self.arrays(state))
        self.kernel(*arrays, player, out, state.batch_size, *self.constants)
        return out


class BoundKernel(_BoundLoop):
    """A game's in-place numba kernel with the state fields and constants it takes: callable as
    `apply(state, action, active)`, and open to other numba loops (search rollouts), which call
    `kernel(*arrays(state), action, active, *constants)` without a Python call per ply."""

    __slots__ = ()

    def __call__(self, state: State, action: np.ndarray, active: np.ndarray) -> None:
        self.kernel(*self._arrays(state), action, active, *self.constants)  # two or more fields


__all__ = [
    "KERNEL_FIELDS",
    "NUM_PLAYERS",
    "SQUARE_SYMMETRIES",
    "BoundKernel",
    "BoundObserve",
    "BoundPlayout",
    "Game",
    "IllegalActionError",
    "State",
    "Symmetry",
    "bind_kernel",
    "bind_observe",
    "bind_playout",
    "cell_symmetries",
    "check_bool_param",
    "check_int_param",
    "describe_owner",
    "fresh_common_fields",
    "grid_symmetries",
    "own_state",
    "owner_key",
    "reset_finished",
    "sample_legal_actions",
    "sample_legal_actions_keyed",
]
