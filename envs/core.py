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
- the legal-action mask of a finished row is all False.

Symmetries (`Symmetry`, `grid_symmetries`, ...) and the legal-action samplers live in their
own modules and are re-exported here.

Shapes: B batch, A actions, P players, C/H/W observation planes.
"""

from __future__ import annotations

import dataclasses
import operator
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numba
import numpy as np

from boardzoo.envs._sampling import sample_legal_actions, sample_legal_actions_keyed
from boardzoo.envs._symmetry import SQUARE_SYMMETRIES, Symmetry, cell_symmetries, grid_symmetries

NUM_PLAYERS = 2
CELL_LAYOUTS = ("square", "hex")

S = TypeVar("S", bound="State")


class IllegalActionError(ValueError):
    """An action that is out of range or not legal in the row's position."""


@dataclass(frozen=True)
class State:
    """Fields every game has; games subclass this and add their board arrays.

    Attributes:
      current_player: int32[B], the player to move (after the end: who would move next).
      legal_action_mask: bool[B, A], True = legal; all False once the row is finished.
      rewards: float32[B, P], rewards of the last transition (+1 win, -1 loss, 0 draw).
      terminated: bool[B], the game ended by its rules.
      truncated: bool[B], the game was cut by a length limit.
      step_count: int32[B], plies played.
    """

    current_player: np.ndarray
    legal_action_mask: np.ndarray
    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    step_count: np.ndarray

    @property
    def batch_size(self) -> int:
        return int(self.current_player.shape[0])

    @property
    def done(self) -> np.ndarray:
        """bool[B]: terminated or truncated."""
        return self.terminated | self.truncated

    def _arrays(self) -> dict[str, np.ndarray]:
        return self.__dict__

    def _from_arrays(self: S, arrays: dict[str, np.ndarray]) -> S:
        # Same class, new arrays; skips the frozen __init__ (hot path: one call per step).
        new = object.__new__(type(self))
        new.__dict__.update(arrays)
        return new

    def copy(self: S) -> S:
        """A deep copy (every array copied)."""
        return self._from_arrays({k: v.copy() for k, v in self.__dict__.items()})

    def take(self: S, rows: np.ndarray) -> S:
        """The sub-batch of the given row indices (int[K]) or row mask (bool[B])."""
        return self._from_arrays({k: v[rows] for k, v in self.__dict__.items()})

    def replace_rows(self: S, rows: np.ndarray, template: S, *, in_place: bool = False) -> S:
        """Self with the rows selected by bool[B] `rows` set to the 1-row `template`: a copy,
        or self itself modified when `in_place` (only for a state nobody else holds)."""
        out = self if in_place else self.copy()
        for name, value in template._arrays().items():
            getattr(out, name)[rows] = value[0]
        return out

    @classmethod
    def stack(cls: type[S], states: list[S]) -> S:
        """Concatenate states along the batch axis."""
        names = [f.name for f in dataclasses.fields(cls)]
        return cls(**{n: np.concatenate([getattr(s, n) for s in states]) for n in names})


InitFn = Callable[[int], State]
ApplyFn = Callable[[State, np.ndarray, np.ndarray], None]
ObserveFn = Callable[[State, np.ndarray], np.ndarray]
RenderFn = Callable[[State, int], str]
CellsFn = Callable[[State], np.ndarray]
ActionNameFn = Callable[[int], str]


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
      observe_fn: `observe_fn(state, player[B]) -> float32[B, C, H, W]`.
      render_fn: `render_fn(state, row) -> str`, an ASCII board.
      cells_fn: `cells_fn(state) -> int8[B, H, W]`, 0 empty, 1 + owner's player index.
      action_name: `action_name(action) -> str`, e.g. "c3".
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", types.MappingProxyType(dict(self.params)))
        if self.cell_layout not in CELL_LAYOUTS:
            raise ValueError(f"cell_layout {self.cell_layout!r} is not one of {CELL_LAYOUTS}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Games hold closures; pickle them as (id, params) and rebuild through the registry.
        from boardzoo.envs.registry import make

        return (_make_with_params, (make, self.id, dict(self.params)))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Game({self.id!r}{', ' if params else ''}{params})"

    def init(self, batch_size: int) -> State:
        """B fresh games."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        return self.init_fn(int(batch_size))

    def step(
        self, state: State, action: np.ndarray, *, where: np.ndarray | None = None, in_place: bool = False
    ) -> State:
        """Apply one action per row and return the new state (the input is not mutated).

        Args:
          state: B games.
          action: int[B]; entries of rows that are finished or not in `where` are ignored.
          where: optional bool[B]; only these rows move, the others stay unchanged.
          in_place: advance `state` itself instead of a copy, for a loop that owns it (no
            one else holds it): saves allocating and copying every array of the state.

        Returns:
          The next state (`state` itself when `in_place`); `rewards` hold this transition's
          rewards (zero for rows that did not move).

        Raises:
          IllegalActionError: a moving row's action is out of range or illegal (`state`
            is left untouched, also when `in_place`).
          ValueError: `action` or `where` has the wrong dtype or shape.
        """
        batch = state.batch_size
        action = _check_rows_array(action, batch, "action", "an integer")
        active = ~(state.terminated | state.truncated)
        if where is not None:
            active &= _check_rows_array(where, batch, "where", "a bool")
        row = _first_illegal_row(state.legal_action_mask, action, active)
        if row >= 0:
            self._raise_illegal(state, action, row)
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
        rows = _check_rows_array(rows, state.batch_size, "rows", "a bool") & ~state.done
        new = state if in_place else state.copy()
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
          state: B games.
          player: int[B] or one int for all rows; default: the player to move.

        Returns:
          float32[B, C, H, W].
        """
        if player is None:
            players = state.current_player
        else:
            players = np.broadcast_to(np.asarray(player), (state.batch_size,))
            if players.dtype.kind not in "iu" or players.min() < 0 or players.max() >= self.num_players:
                raise ValueError(f"player must be in 0..{self.num_players - 1}, got {player!r}")
        return self.observe_fn(state, players.astype(np.int32, copy=False))

    def render(self, state: State, row: int = 0) -> str:
        """An ASCII drawing of one row's board."""
        if not 0 <= row < state.batch_size:
            raise ValueError(f"row {row} is out of range for a batch of {state.batch_size}")
        return self.render_fn(state, row)

    def legal_actions(self, state: State, row: int = 0) -> list[int]:
        """The legal actions of one row, ascending."""
        return np.flatnonzero(state.legal_action_mask[row]).tolist()

    def _raise_illegal(self, state: State, action: np.ndarray, row: int) -> None:
        a = int(action[row])
        legal = self.legal_actions(state, row)
        if not 0 <= a < self.num_actions:
            reason = f"is out of range 0..{self.num_actions - 1}"
        else:
            reason = f"({self.action_name(a)}) is illegal"
        raise IllegalActionError(f"{self.id}: action {a} in row {row} {reason}; legal actions there: {legal}")


def _make_with_params(make: Callable[..., Game], game_id: str, params: dict[str, Any]) -> Game:
    return make(game_id, **params)


def _check_rows_array(values: Any, batch: int, name: str, kind: str) -> np.ndarray:
    array = values if isinstance(values, np.ndarray) else np.asarray(values)
    ok_kind = array.dtype.kind in "iu" if kind == "an integer" else array.dtype == np.bool_
    if not ok_kind:
        raise ValueError(f"{name} must be {kind} array, got dtype {array.dtype}")
    if array.shape != (batch,):
        raise ValueError(f"{name} must have shape ({batch},) for this batch, got {array.shape}")
    return array


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
    done = state.done
    if not done.any():
        return state
    template = template if template is not None else game.init(1)
    return state.replace_rows(done, template, in_place=in_place)


def check_int_param(game_id: str, name: str, value: Any, low: int, high: int) -> int:
    """Validate an integer game parameter in [low, high] and return it as int."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{game_id}: {name} must be an int in {low}..{high}, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{game_id}: {name}={value} is out of range; allowed: {low}..{high}")
    return int(value)


def check_bool_param(game_id: str, name: str, value: Any) -> bool:
    """Validate a boolean game parameter."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{game_id}: {name} must be True or False, got {value!r}")
    return bool(value)


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


def bind_kernel(kernel: Callable[..., None], fields: tuple[str, ...], *constants: Any) -> ApplyFn:
    """A `Game.apply` that calls a numba kernel on the state's arrays.

    Args:
      kernel: `kernel(*arrays, action, active, *constants)`, updating the arrays in place.
      fields: the names of the state arrays it takes, in order (two or more).
      *constants: the game's fixed parameters, passed last.
    """
    arrays = operator.attrgetter(*fields)

    def apply(state: State, action: np.ndarray, active: np.ndarray) -> None:
        kernel(*arrays(state), action, active, *constants)

    return apply


__all__ = [
    "KERNEL_FIELDS",
    "NUM_PLAYERS",
    "SQUARE_SYMMETRIES",
    "Game",
    "IllegalActionError",
    "State",
    "Symmetry",
    "bind_kernel",
    "cell_symmetries",
    "check_bool_param",
    "check_int_param",
    "fresh_common_fields",
    "grid_symmetries",
    "reset_finished",
    "sample_legal_actions",
    "sample_legal_actions_keyed",
]
