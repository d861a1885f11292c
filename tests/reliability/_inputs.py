"""Hypothesis strategies for the reliability property tests: small games, positions in them, and
generated good and bad inputs (dtypes, byte orders, shapes, values, foreign states).

Every strategy that produces a bad input records its kind with `hypothesis.event`, so
`pytest --hypothesis-show-statistics` lists which kinds ran and how often.

The package's documented errors for bad input are `ValueError` (`IllegalActionError` is one)
and `TypeError` (see `boardzoo.envs.core`); anything else escaping is a bug.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from hypothesis import event
from hypothesis import strategies as st

from boardzoo.envs import Game, State, available_games, make, sample_legal_actions

DOCUMENTED = (ValueError, TypeError)

# Small boards for every registered game, and another parameter set of the same game.
SMALL = {
    "breakthrough": {"rows": 5, "columns": 5},
    "connect_four": {"rows": 4, "columns": 5, "x_in_row": 3},
    "go": {"board_size": 5},
    "gomoku": {"board_size": 5, "win_length": 4},
    "hex": {"board_size": 3},
    "othello": {"board_size": 4},
    "tic_tac_toe": {},
}
OTHER = {
    "breakthrough": {"rows": 6, "columns": 5},
    "connect_four": {"rows": 4, "columns": 5, "x_in_row": 4},  # same arrays, other rules
    "go": {"board_size": 5, "komi": 0.5},  # same arrays, other rules
    "gomoku": {"board_size": 6, "win_length": 4},
    "hex": {"board_size": 3, "swap": True},
    "othello": {"board_size": 6},
    "tic_tac_toe": None,  # no parameters: only other games are foreign to it
}
assert sorted(SMALL) == sorted(OTHER) == sorted(available_games()), "cover every registered game"
GAMES = {game_id: make(game_id, **params) for game_id, params in SMALL.items()}
OTHER_GAMES = {game_id: make(game_id, **p) for game_id, p in OTHER.items() if p is not None}

game_ids = st.sampled_from(sorted(GAMES))
INTEGER_DTYPES = [np.dtype(f"{order}{kind}{size}") for order in "<>" for kind in "iu" for size in (1, 2, 4, 8)]
EXTREMES = [2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**70, -(2**70)]


def handled(bad_class: int, kind: str) -> None:
    """Record that a bad input of class `bad_class` (1: foreign states, 2: values, 3: API
    contracts) was handled as documented; `--hypothesis-show-statistics` counts them by kind."""
    event(f"bad input handled, class {bad_class}: {kind}")


def outcome(call: Any, allowed: tuple[type[BaseException], ...] = DOCUMENTED) -> tuple[str, Any]:
    """('ok', result) or ('error', an allowed exception, which must have a message); any other
    exception propagates, failing the test."""
    try:
        return "ok", call()
    except allowed as error:
        assert str(error), f"{type(error).__name__} without a message"
        return "error", error


def int_like(value: Any) -> bool:
    """What the package reads as one int: Python and numpy ints, 0-d integer arrays; no bools."""
    if isinstance(value, np.ndarray):
        return value.shape == () and value.dtype.kind in "iu"
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


# Scalars for arguments that take one int (rows, players, seeds, batch sizes, ...).
SCALARS = [0, 1, 2, 3, -1, 5, *EXTREMES, np.int8(1), np.uint64(0), True, False, 0.0, 1.5, "0", None, [0], np.array(1)]


def play(game: Game, batch: int, plies: int, seed: int) -> State:
    """`batch` games after up to `plies` random plies (finished rows stay finished)."""
    rng = np.random.default_rng(seed)
    state = game.init(batch)
    for _ in range(plies):
        if state.done.all():
            break
        state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))
    return state


class Position:
    """A game and a state of it; unpacks as (game, state) and prints short."""

    def __init__(self, game: Game, state: State) -> None:
        self.game, self.state = game, state

    def __iter__(self) -> Any:
        return iter((self.game, self.state))

    def __repr__(self) -> str:
        return f"<{self.game!r}, plies {self.state.step_count.tolist()}>"


@st.composite
def positions(draw: Any, game_id: str | None = None, max_batch: int = 4) -> Position:
    game = GAMES[draw(game_ids) if game_id is None else game_id]
    batch = draw(st.integers(1, max_batch))
    return Position(game, play(game, batch, draw(st.integers(0, 30)), draw(st.integers(0, 2**16))))


def fits(dtype: np.dtype, values: list[int]) -> bool:
    info = np.iinfo(dtype)
    return all(info.min <= v <= info.max for v in values)


@st.composite
def action_values(draw: Any, game: Game, state: State) -> list[int]:
    """One int per row: mostly legal, else illegal, out of range or extreme."""
    values = []
    for row in range(state.batch_size):
        legal = np.flatnonzero(state.legal_action_mask[row])
        choice = draw(st.sampled_from(["legal", "legal", "legal", "any", "extreme"]))
        if choice == "legal" and legal.size:
            values.append(int(draw(st.sampled_from(legal.tolist()))))
        elif choice == "extreme":
            values.append(draw(st.sampled_from(EXTREMES)))
        else:
            values.append(draw(st.integers(-3, game.num_actions + 3)))
    return values


@st.composite
def integer_arrays(draw: Any, values: list[int]) -> tuple[Any, bool]:
    """`values` in a generated integer form, and whether the kernel must read it: an array of
    any dtype and byte order that holds them, or a list of Python ints (read when they fit
    int64 or uint64, refused beyond)."""
    dtypes = [d for d in INTEGER_DTYPES if fits(d, values)]
    form = draw(st.sampled_from(["list"] + (["array"] * 4 if dtypes else [])))
    if form == "list":
        event("integers: Python list")
        return list(values), fits(np.dtype(np.int64), values) or fits(np.dtype(np.uint64), values)
    dtype = draw(st.sampled_from(dtypes))
    event(f"integers: array {dtype.str}")
    return np.array(values, dtype=dtype), True


BAD_ARRAY_KINDS = [
    "float array",
    "integral floats",
    "bool array",
    "string array",
    "object array",
    "Python float",
    "None",
    "string",
    "dict",
    "2-d",
    "too long",
    "empty",
    "scalar int",
    "0-d array",
    "bools in a list",
    "complex",
    "huge ints in a list",
]


@st.composite
def bad_arrays(draw: Any, values: list[int], exclude: tuple[str, ...] = ()) -> tuple[str, Any]:
    """Something that is not an integer array of exactly len(values) entries."""
    kind = draw(st.sampled_from([k for k in BAD_ARRAY_KINDS if k not in exclude]))
    event(f"bad array: {kind}")
    n = len(values)
    small = [v % 7 for v in values]
    return kind, {
        "float array": lambda: np.array(small, dtype=np.float64) + 0.5,
        "integral floats": lambda: np.array(small, dtype=draw(st.sampled_from(["f2", "f4", ">f8"]))),
        "bool array": lambda: np.ones(n, dtype=bool),
        "string array": lambda: np.array([str(v) for v in small]),
        "object array": lambda: np.array(small, dtype=object),
        "Python float": lambda: 1.0,
        "None": lambda: None,
        "string": lambda: "0",
        "dict": lambda: {"action": small},
        "2-d": lambda: np.array(small, dtype=np.int64)[:, None],
        "too long": lambda: np.zeros(n + draw(st.integers(1, 3)), dtype=np.int64),
        "empty": lambda: np.zeros(0, dtype=np.int64),
        "scalar int": lambda: 0,
        "0-d array": lambda: np.array(0),
        "bools in a list": lambda: [True, *small[1:]],
        "complex": lambda: np.array(small, dtype=complex),
        "huge ints in a list": lambda: [2**70] * n,
    }[kind]()


FOREIGN_KINDS = [
    "other game",
    "other parameters",
    "hand-built (no owner)",
    "dict of its arrays",
    "None",
    "numpy array",
    "list of states",
    "the game itself",
    "int",
    "string",
]


@st.composite
def foreign_states(draw: Any, game: Game, state: State) -> tuple[str, Any]:
    """Something that is not a state of `game`: a state of another game or parameters, a
    hand-built one, or no state at all."""
    kinds = [k for k in FOREIGN_KINDS if k != "other parameters" or game.id in OTHER_GAMES]
    kind = draw(st.sampled_from(kinds))
    event(f"foreign state: {kind}")
    batch = state.batch_size
    if kind == "other game":
        other = draw(st.sampled_from([g for g in sorted(GAMES) if g != game.id]))
        return kind, play(GAMES[other], batch, draw(st.integers(0, 5)), 0)
    if kind == "other parameters":
        return kind, play(OTHER_GAMES[game.id], batch, draw(st.integers(0, 5)), 0)
    return kind, {
        "hand-built (no owner)": lambda: type(state)._base(**state.__dict__),
        "dict of its arrays": lambda: dict(state.__dict__),
        "None": lambda: None,
        "numpy array": lambda: state.legal_action_mask.copy(),
        "list of states": lambda: [state],
        "the game itself": lambda: game,
        "int": lambda: 0,
        "string": lambda: "state",
    }[kind]()


@st.composite
def malformed_fields(draw: Any, state: State) -> tuple[str, dict[str, Any]]:
    """A field replacement that breaks the owner's layout (dtype, shape, batch or type)."""
    name = draw(st.sampled_from(sorted(state.__dict__)))
    value = state.__dict__[name]
    kind = draw(st.sampled_from(["dtype", "shape", "batch", "not an array", "0-d"]))
    event(f"malformed field: {kind}")
    wrong_dtype = np.float64 if value.dtype != np.float64 else np.int8
    replacement = {
        "dtype": lambda: value.astype(wrong_dtype),
        "shape": lambda: np.zeros((*value.shape, 2), dtype=value.dtype),
        "batch": lambda: np.concatenate([value, value[:1]]),
        "not an array": lambda: value.tolist(),
        "0-d": lambda: np.zeros((), dtype=value.dtype),
    }[kind]()
    return kind, {name: replacement}


def same_state(a: State, b: State) -> bool:
    return type(a) is type(b) and all(np.array_equal(v, b.__dict__[k]) for k, v in a.__dict__.items())


def replace(state: State, changes: dict[str, Any]) -> State:
    return dataclasses.replace(state, **changes)
