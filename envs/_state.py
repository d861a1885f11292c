"""The batched `State` and which game it belongs to (re-exported by `boardzoo.envs.core`).

A state made by `Game.init` is an instance of a per-game subclass of the game's `State` class
(same name and fields) whose class attributes record its owner: the game's id, version and
parameters (`owner_key`, one object per key, so a check is an identity test). `step`, `take`,
`copy`, `replace_rows` and `stack` keep the class; building one directly (`dataclasses.replace`,
unpickling) checks every array's dtype and shape against the owner's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import numpy as np

from boardzoo.envs._checks import check_flag, check_rows, describe

S = TypeVar("S", bound="State")


@dataclass(frozen=True)
class State:
    """Fields every game has; games subclass this and add their board arrays.

    States of a game are instances of its per-game subclass (see the module docstring).

    Attributes:
      current_player: int32[B], the player to move (after the end: who would move next).
      legal_action_mask: bool[B, A], True = legal; all False once the row is finished.
      rewards: float32[B, P], rewards of the last transition (+1 win, -1 loss, 0 draw).
      terminated: bool[B], the game ended by its rules.
      truncated: bool[B], the game was cut by a length limit.
      step_count: int32[B], plies played.
    """

    # The owner key (game id, version, parameters), the per-field (shape without B, dtype)
    # and the game's own State class: set on the per-game subclasses only.
    _owner: ClassVar[tuple[Any, ...] | None] = None
    _layout: ClassVar[dict[str, tuple[tuple[int, ...], np.dtype]] | None] = None
    _base: ClassVar[type[State] | None] = None

    current_player: np.ndarray
    legal_action_mask: np.ndarray
    rewards: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray
    step_count: np.ndarray

    def __post_init__(self) -> None:
        if type(self)._layout is not None:
            _check_layout(self, type(self))

    def __reduce__(self) -> tuple[Any, ...]:
        cls = type(self)
        if cls._owner is None:
            return (_new_state, (cls, dict(self.__dict__)))
        return (_rebuild_owned_state, (cls._base, cls._owner, dict(self.__dict__)))

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
        """The sub-batch of the given row indices (int[K] in 0..B-1) or row mask (bool[B])."""
        rows = check_rows(rows, self.batch_size)
        return self._from_arrays({k: v[rows] for k, v in self.__dict__.items()})

    def replace_rows(self: S, rows: np.ndarray, template: S, *, in_place: bool = False) -> S:
        """Self with the rows selected by `rows` (bool[B], or int[K] indices) set to the 1-row
        `template` (a state of the same game): a copy, or self itself modified when `in_place`
        (only for a state nobody else holds)."""
        rows = check_rows(rows, self.batch_size)
        if type(template) is not type(self):
            raise mismatch_error("template", template, self)
        if template.batch_size != 1:
            raise ValueError(f"template must be a state of batch size 1, got batch size {template.batch_size}")
        out = self if check_flag("in_place", in_place) else self.copy()
        for name, value in template._arrays().items():
            getattr(out, name)[rows] = value[0]
        return out

    @classmethod
    def stack(cls: type[S], states: list[S]) -> S:
        """Concatenate states (all of one game) along the batch axis."""
        if isinstance(states, State) or not states:
            raise ValueError(f"stack needs a non-empty list of states, got {describe(states)}")
        kind = type(states[0])
        for state in states:
            if type(state) is not kind:
                raise mismatch_error("stack: a state", state, states[0])
        if not issubclass(kind, cls):
            raise TypeError(f"{cls.__name__}.stack got states of another class, {kind.__name__}")
        names = [f.name for f in dataclasses.fields(kind)]
        return kind(**{n: np.concatenate([getattr(s, n) for s in states]) for n in names})


def owner_key(game_id: str, version: int, params: Mapping[str, Any]) -> tuple[Any, ...]:
    """The key a state's owner is known by: (id, version, parameters); one object per key, so
    owners compare by identity. Unhashable parameter values count by their repr."""
    items = tuple(params.items())
    try:
        hash(items)
    except TypeError:
        items = tuple((name, repr(value)) for name, value in items)
    key = (game_id, version, items)
    return _OWNER_KEYS.setdefault(key, key)


def describe_owner(owner: tuple[Any, ...]) -> str:
    game_id, version, items = owner
    params = "".join(f", {name}={value!r}" for name, value in items)
    return f"Game({game_id!r}{params})" + (f" version {version}" if version else "")


def own_state(state: S, owner: tuple[Any, ...], *, check: bool = True) -> S:
    """`state`'s arrays as a state of `owner` (an `owner_key`); a state that already belongs
    to it is returned as is. The first state of an owner fixes its fields' shapes and dtypes;
    later ones are checked against them (unless `check` is False: a game's own `init`)."""
    cls = type(state)
    if cls._owner is owner:
        return state
    base = cls._base or cls
    owned = _OWNED_TYPES.get((base, owner))
    if owned is None:
        layout = {name: (value.shape[1:], value.dtype) for name, value in state.__dict__.items()}
        namespace = {"__qualname__": base.__qualname__, "__module__": base.__module__}
        namespace.update(_owner=owner, _layout=layout, _base=base)
        owned = _OWNED_TYPES.setdefault((base, owner), type(base.__name__, (base,), namespace))
    elif check:
        _check_layout(state, owned)
    new = object.__new__(owned)
    new.__dict__.update(state.__dict__)
    return new


_OWNER_KEYS: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_OWNED_TYPES: dict[tuple[type, tuple[Any, ...]], type] = {}


def _check_layout(state: State, owned: type[State]) -> None:
    # Every field an array of the owner's dtype and shape (batch first, one batch size).
    arrays = state.__dict__
    sizes = [v.shape[0] for v in arrays.values() if isinstance(v, np.ndarray) and v.ndim]
    batch = max(set(sizes), key=sizes.count) if sizes else None  # most fields' batch size
    owner = describe_owner(owned._owner)
    for name, (shape, dtype) in owned._layout.items():
        value = arrays.get(name)
        expected = f"a {dtype} array of shape {(batch if batch is not None else 'B', *shape)}"
        if not isinstance(value, np.ndarray) or value.dtype != dtype or value.shape != (batch, *shape):
            found = (
                f"a {value.dtype} array of shape {value.shape}" if isinstance(value, np.ndarray) else describe(value)
            )
            raise ValueError(f"field {name!r} of a {owner} state must be {expected}, got {found}")


def _new_state(cls: type[S], arrays: dict[str, np.ndarray]) -> S:
    return cls(**arrays)


def _rebuild_owned_state(base: type[S], owner: tuple[Any, ...], arrays: dict[str, np.ndarray]) -> S:
    # Unpickling: the registry's game of that id and parameters makes the per-game class.
    owned = _OWNED_TYPES.get((base, owner))
    if owned is None:
        from boardzoo.envs.registry import make

        game = make(owner[0], **dict(owner[2]))
        if game._owner != owner:
            raise ValueError(f"cannot unpickle a state of {describe_owner(owner)}: the registry has {game!r}")
        owned = type(game.init(1))
    return owned(**arrays)


def mismatch_error(what: str, given: Any, reference: State) -> Exception:
    if not isinstance(given, State):
        return TypeError(f"{what} must be a state of {owner_text(reference)}, got {describe(given)}")
    return ValueError(f"{what} belongs to {owner_text(given)}, not to {owner_text(reference)} like this one")


def owner_text(state: State) -> str:
    owner = type(state)._owner
    return describe_owner(owner) if owner is not None else f"no game (a hand-built {type(state).__name__})"
