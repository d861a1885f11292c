"""Argument checks of the kernel API, in one place: every error names the value and what is allowed.

The kernel API raises two kinds of errors for bad input (documented in `boardzoo.envs.core`):
`ValueError` for a bad value: a number, array or flag of the wrong type, dtype, shape or range
(`IllegalActionError` is one), and `TypeError` for an object of the wrong kind where a specific
object is expected (a state that is not a `State`, an rng that is not a
`numpy.random.Generator`). Nothing is coerced: an integer array of any dtype and byte order is
read exactly, floats and bools are never taken for integers.

Each check has a fast path for the arrays the kernels' own loops pass (native int64, bool, of
the right shape) so the hot path pays a few attribute tests only.
"""

from __future__ import annotations

import operator
from typing import Any

import numba
import numpy as np

INT64 = np.dtype(np.int64)
BOOL = np.dtype(np.bool_)
INT64_MAX = np.iinfo(np.int64).max
# Above this, batch arrays outgrow int32 row counters and any machine's memory.
MAX_BATCH_SIZE = 2**31 - 1
MAX_COUNTER = INT64_MAX


def describe(value: Any, limit: int = 80) -> str:
    """A short description of `value` for an error message: its type (and dtype) and repr."""
    if isinstance(value, np.ndarray):
        text = f"{value.dtype} array of shape {value.shape}: {np.array2string(value, threshold=8)}"
    else:
        text = f"{type(value).__name__} {value!r}"
    text = " ".join(text.split("\n"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_int(value: Any) -> bool:
    """A Python or numpy integer, or a 0-d integer array (bools are not integers here)."""
    if isinstance(value, np.ndarray):
        return value.shape == () and value.dtype.kind in "iu"
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    """An integer in [low, high] (high None: no upper bound) as a Python int."""
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iu":
        value = value.item()
    allowed = f"{low}..{high}" if high is not None else f">= {low}"
    if not is_int(value):
        raise ValueError(f"{name} must be an int ({allowed}), got {describe(value)}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be an int in {allowed}, got {value}")
    return int(value)


def check_flag(name: str, value: Any) -> bool:
    """True or False (no other truthy values)."""
    if value is not True and value is not False and not isinstance(value, np.bool_):
        raise ValueError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def check_batch_size(batch_size: Any) -> int:
    if not is_int(batch_size) or not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r} (allowed: 1..{MAX_BATCH_SIZE})")
    return int(batch_size)


def as_array(values: Any, name: str) -> np.ndarray:
    """`values` as an array. Lists are read as numpy reads them, except that a bool among
    numbers is refused (numpy would silently make True a 1) and that ints are never made
    floats (ints beyond 64 bits are refused)."""
    if isinstance(values, np.ndarray):
        return values
    try:
        array = np.asarray(values)
    except (ValueError, TypeError, OverflowError) as error:  # ragged lists, ...
        raise ValueError(f"{name} must be an array, got {describe(values)} ({error})") from None
    if isinstance(values, list | tuple):
        if array.dtype.kind in "iuf" and _holds_bool(values):
            raise ValueError(f"{name} must hold numbers, not bools, got {describe(values)}")
        if array.dtype.kind in "fO":  # Python ints beyond one numpy dtype: read them exactly
            array = _exact_ints(values, array, name)
        if array.size == 0 and array.dtype.kind == "f":  # [] holds no floats: no indices
            array = array.astype(np.int64)
    return array


def _exact_ints(values: list | tuple, array: np.ndarray, name: str) -> np.ndarray:
    # Python ints that numpy made floats or objects (beyond int64, or int64 and uint64 mixed):
    # int64 when they fit, else an error naming the first that does not; other lists as they are.
    items = np.asarray(values, dtype=object).ravel()
    if not items.size or not all(is_int(v) for v in items):
        return array
    for dtype in (np.int64, np.uint64):
        info = np.iinfo(dtype)
        if all(info.min <= v <= info.max for v in items):
            return np.array(items.tolist(), dtype=dtype).reshape(array.shape)
    position, value = next((i, v) for i, v in enumerate(items) if not -INT64_MAX - 1 <= v <= INT64_MAX)
    raise ValueError(
        f"{name} must hold integers of one 64-bit type (int64, or uint64 if none is negative), "
        f"got {value} at position {position}"
    )


def _holds_bool(values: list | tuple) -> bool:
    return any(isinstance(v, bool | np.bool_) or (isinstance(v, list | tuple) and _holds_bool(v)) for v in values)


def as_int64(array: np.ndarray) -> np.ndarray:
    """An integer array of any dtype and byte order as native C-contiguous int64, exactly.

    Unsigned values above int64's range are mapped to int64's maximum, which stays out of any
    valid range, so a check after the conversion still refuses them.
    """
    if array.dtype == INT64 and array.flags.c_contiguous:
        return array
    if array.dtype.kind == "u" and array.dtype.itemsize == 8:
        array = np.minimum(array, np.uint64(INT64_MAX))
    return np.ascontiguousarray(array, dtype=np.int64)


def check_int_array(values: Any, name: str, shape: tuple[int, ...], what: str = "an integer array") -> np.ndarray:
    """An integer array of exactly `shape`, as native int64 (see `as_int64`)."""
    if type(values) is np.ndarray and values.dtype == INT64 and values.shape == shape:
        return values if values.flags.c_contiguous else np.ascontiguousarray(values)
    array = as_array(values, name)
    if array.dtype.kind not in "iu":
        raise ValueError(f"{name} must be {what}, got dtype {array.dtype}: {describe(values)}")
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape} for this batch, got {array.shape}: {describe(values)}")
    return as_int64(array)


def check_actions(values: Any, batch: int) -> np.ndarray:
    """int64[B] actions (range and legality are the kernel's check)."""
    return check_int_array(values, "action", (batch,))


def check_row_mask(values: Any, batch: int, name: str) -> np.ndarray:
    """bool[B] selecting rows."""
    if type(values) is np.ndarray and values.dtype == BOOL and values.shape == (batch,):
        return values
    array = as_array(values, name)
    if array.dtype != BOOL:
        expected = f"a bool array of shape ({batch},)"
        raise ValueError(f"{name} must be {expected}, got dtype {array.dtype}: {describe(values)}")
    if array.shape != (batch,):
        raise ValueError(f"{name} must have shape ({batch},) for this batch, got {array.shape}: {describe(values)}")
    return array


def check_rows(rows: Any, batch: int, name: str = "rows") -> np.ndarray:
    """Rows of a batch of B: bool[B] (a mask) or int[K] indices in 0..B-1 (as int64)."""
    if type(rows) is np.ndarray and rows.ndim == 1:  # fast paths: int64 indices, a bool mask
        if rows.dtype == INT64 and first_outside(rows, 0, batch) < 0:
            return rows
        if rows.dtype == BOOL and rows.shape[0] == batch:
            return rows
    array = rows if type(rows) is np.ndarray else as_array(rows, name)
    kind = array.dtype.kind
    if kind == "b":
        if array.shape != (batch,):
            raise ValueError(f"{name} as a bool mask must have shape ({batch},), got {array.shape}: {describe(rows)}")
        return array
    if kind not in "iu" or array.ndim != 1:
        raise ValueError(
            f"{name} must be a 1-d integer array of row indices or a bool mask of shape ({batch},), "
            f"got {describe(rows)}"
        )
    indices = as_int64(array)
    bad = first_outside(indices, 0, batch)
    if bad >= 0:
        raise ValueError(f"{name} must be row indices in 0..{batch - 1}, got {array[bad]} at position {bad}")
    return indices


def check_row(row: Any, batch: int) -> int:
    """One row index in 0..B-1."""
    if not is_int(row):
        raise ValueError(f"row must be an int in 0..{batch - 1}, got {describe(row)}")
    if not 0 <= row < batch:
        raise ValueError(f"row {row} is out of range for a batch of {batch}; allowed: 0..{batch - 1}")
    return operator.index(row)


def check_players(player: Any, batch: int, num_players: int) -> np.ndarray:
    """int32[B] points of view from one int or an int[B] array, each in 0..P-1."""
    allowed = f"0..{num_players - 1}"
    if is_int(player):
        if not 0 <= player < num_players:
            raise ValueError(f"player must be in {allowed}, got {player!r}")
        return np.full(batch, player, dtype=np.int32)
    array = as_array(player, "player")
    if array.dtype.kind not in "iu" or array.shape not in ((batch,), ()):
        expected = f"an int in {allowed} or an int array of shape ({batch},)"
        raise ValueError(f"player must be {expected}, got {describe(player)}")
    array = as_int64(np.broadcast_to(array, (batch,)))
    bad = first_outside(array, 0, num_players)
    if bad >= 0:
        raise ValueError(f"player must be in {allowed}, got {array[bad]} (row {bad})")
    return array.astype(np.int32)


def check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {describe(rng)}")
    return rng


def check_mask(mask: Any) -> np.ndarray:
    """A legal-action mask bool[B, A] (A >= 1). Integer masks holding only 0 and 1 (such as
    PettingZoo's int8 action masks) are read as bool; any other value or dtype is refused."""
    if type(mask) is np.ndarray and mask.dtype == BOOL and mask.ndim == 2 and mask.shape[1] > 0:
        return mask
    array = as_array(mask, "mask")
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"mask must have shape (B, A) with A >= 1, got {array.shape}: {describe(mask)}")
    if array.dtype == BOOL:
        return array
    if array.dtype.kind not in "iu":
        raise ValueError(f"mask must be a bool array (or integers 0/1), got dtype {array.dtype}: {describe(mask)}")
    outside = (array != 0) & (array != 1)
    if outside.any():
        row, column = np.argwhere(outside)[0]
        raise ValueError(f"an integer mask must hold only 0 and 1, got {array[row, column]} at [{row}, {column}]")
    return array.astype(np.bool_)


def check_keys(keys: Any, batch: int) -> np.ndarray:
    """uint64[B] stream keys; other integer dtypes must hold non-negative values."""
    if type(keys) is np.ndarray and keys.dtype == np.uint64 and keys.shape == (batch,):
        return np.ascontiguousarray(keys, dtype=np.uint64)
    array = as_array(keys, "keys")
    if array.dtype.kind not in "iu" or array.shape != (batch,):
        raise ValueError(f"keys must be a uint64 array of shape ({batch},), one per mask row, got {describe(keys)}")
    if array.dtype.kind == "i" and array.size and array.min() < 0:
        raise ValueError(f"keys must be non-negative, got {array.min()}")
    return array.astype(np.uint64)


def check_int_param(game_id: str, name: str, value: Any, low: int, high: int) -> int:
    """Validate an integer game parameter in [low, high] and return it as int."""
    if not is_int(value):
        raise ValueError(f"{game_id}: {name} must be an int in {low}..{high}, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{game_id}: {name}={value} is out of range; allowed: {low}..{high}")
    return int(value)


def check_bool_param(game_id: str, name: str, value: Any) -> bool:
    """Validate a boolean game parameter."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"{game_id}: {name} must be True or False, got {value!r}")
    return bool(value)


@numba.njit(cache=True)
def first_outside(values: np.ndarray, low: int, high: int) -> int:
    # Index of the first int64 value outside [low, high), else -1.
    for i in range(values.shape[0]):
        if values[i] < low or values[i] >= high:
            return i
    return -1
