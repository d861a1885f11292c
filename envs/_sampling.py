"""Uniform sampling of legal actions over a batch of legal-action masks (numba).

`sample_legal_actions` draws from a `numpy.random.Generator`; `sample_legal_actions_keyed`
gives each row its own stream (key, counter), so B games sampled together give exactly
what B separate games with the same keys give.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

from boardzoo.envs._checks import MAX_COUNTER, check_int, check_keys, check_mask, check_rng

_MAX_REJECTION_TRIES = 96  # cheap (a few ns each); Breakthrough has ~25 legal of 768
_TRIES_BEFORE_COUNTING = 4
_SPARSE_RATIO = 16  # fewer than 1 legal action in 16: draw the k-th one instead of rejecting


@numba.njit(cache=True)
def _splitmix64(x: np.uint64) -> np.uint64:
    # One step of the SplitMix64 mixer (a bijection of 64-bit ints, good avalanche).
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


_SCAN_BLOCK = 32


@numba.njit(cache=True)
def _count_legal(row: np.ndarray) -> int:
    # Legal actions in one uint8[A] mask row (a vectorised byte sum).
    count = 0
    for a in range(row.shape[0]):
        count += row[a]
    return count


@numba.njit(cache=True)
def _kth_legal(row: np.ndarray, random_bits: np.uint64, count: int) -> int:
    # The (random_bits mod count)-th legal action of one uint8[A] mask row with `count` > 0
    # legal actions. Counts run over blocks of bytes, so sparse wide masks are cheap too.
    num_actions = row.shape[0]
    k = int((random_bits >> np.uint64(11)) % np.uint64(count))
    start = 0
    while True:
        end = min(start + _SCAN_BLOCK, num_actions)
        in_block = 0
        for a in range(start, end):
            in_block += row[a]
        if k < in_block:
            break
        k -= in_block
        start = end
    for a in range(start, end):
        if row[a]:
            if k == 0:
                return a
            k -= 1
    return -1


@numba.njit(cache=True)
def _kth_legal_words(words: np.ndarray, random_bits: np.uint64, count: int) -> int:
    # Same as _kth_legal on the row viewed as uint64 words (8 mask bytes of 0/1 each): a
    # word's legal count is its byte sum, (w * 0x0101...01) >> 56, so sparse rows skip fast.
    k = np.uint64((random_bits >> np.uint64(11)) % np.uint64(count))
    ones = np.uint64(0x0101010101010101)
    for i in range(words.shape[0]):
        w = words[i]
        in_word = (w * ones) >> np.uint64(56)
        if k < in_word:
            for j in range(8):
                if (w >> np.uint64(8 * j)) & np.uint64(0xFF):
                    if k == 0:
                        return i * 8 + j
                    k -= np.uint64(1)
        k -= in_word
    return -1


@numba.njit(cache=True)
def _pick_row(mask: np.ndarray, words: np.ndarray, b: int, uniform: float) -> int:
    # Row b's action from one uniform u: u seeds a SplitMix64 stream; rejection-sample actions
    # uniform over 0..A-1 until one is legal (uniform over the legal set). After a few misses,
    # count the legal actions: none gives -1 (finished rows cost almost nothing); a sparse mask
    # draws the k-th legal action directly; a dense one keeps rejecting.
    num_actions = mask.shape[1]
    golden = np.uint64(0x9E3779B97F4A7C15)
    seed = np.uint64(uniform * 9007199254740992.0)  # u * 2**53
    count = -1
    for attempt in range(_MAX_REJECTION_TRIES):
        if attempt == _TRIES_BEFORE_COUNTING:
            count = _count_legal(mask[b])
            if count == 0 or count * _SPARSE_RATIO < num_actions:
                break
        seed += golden
        action = int((_splitmix64(seed) >> np.uint64(11)) * (num_actions / 9007199254740992.0))
        if mask[b, action]:
            return action
    if count < 0:
        count = _count_legal(mask[b])
    if count > 0 and words.shape[0] == mask.shape[0]:
        return _kth_legal_words(words[b], _splitmix64(seed + golden), count)
    if count > 0:
        return _kth_legal(mask[b], _splitmix64(seed + golden), count)
    return -1


@numba.njit(cache=True)
def _pick_uniform_legal(mask: np.ndarray, words: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    # int64[B]: each row's action from its uniform (`_pick_row`), -1 for rows with no legal action.
    out = np.empty(mask.shape[0], dtype=np.int64)
    for b in range(mask.shape[0]):
        out[b] = _pick_row(mask, words, b, uniform[b])
    return out


_NO_WORDS = np.empty((0, 0), dtype=np.uint64)


def _as_words(mask: np.ndarray) -> np.ndarray:
    # The mask rows as uint64 words when A is a multiple of 8 (a view, no copy); else none.
    if mask.shape[1] % 8 == 0 and mask.flags.c_contiguous:
        return mask.view(np.uint64)
    return _NO_WORDS


def sample_legal_actions(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random legal action per row.

    Args:
      mask: bool[B, A] legal-action mask (A >= 1). An integer mask holding only 0 and 1 (such
        as PettingZoo's int8 `action_mask`) is read as bool; any other value, and any other
        dtype (floats, ...), is refused, so a draw is always in the legal set.
      rng: the `numpy.random.Generator` to draw from (one uniform per row).

    Returns:
      int64[B]; -1 for rows with no legal action (finished games, which `step` ignores).

    Raises:
      ValueError: `mask` has the wrong shape, dtype or values.
      TypeError: `rng` is not a `numpy.random.Generator`.
    """
    mask = check_mask(mask)
    return _pick_uniform_legal(mask.view(np.uint8), _as_words(mask), check_rng(rng).random(mask.shape[0]))


@numba.njit(cache=True)
def _keyed_uniform(key: np.uint64, counter: int) -> float:
    # One uniform in [0, 1) from a row's key and a counter (SplitMix64).
    offset = np.uint64(counter) * np.uint64(0xD1B54A32D192ED03)
    return (_splitmix64(key ^ offset) >> np.uint64(11)) / 9007199254740992.0


@numba.njit(cache=True)
def _keyed_uniforms(keys: np.ndarray, counter: int) -> np.ndarray:
    # One uniform in [0, 1) per row from the row's key and a counter.
    out = np.empty(keys.shape[0], dtype=np.float64)
    for b in range(keys.shape[0]):
        out[b] = _keyed_uniform(keys[b], counter)
    return out


def sample_legal_actions_keyed(mask: np.ndarray, keys: np.ndarray, counter: Any) -> np.ndarray:
    """Like `sample_legal_actions`, but row b draws from its own stream (keys[b], counter).

    Row b's choice depends only on its mask, keys[b] and counter, so B games sampled together
    give exactly what B separate games with the same keys give (used by search rollouts).

    Args:
      mask: bool[B, A], as in `sample_legal_actions` (0/1 integer masks too).
      keys: uint64[B], one key per row (other integer dtypes: non-negative values).
      counter: which draw of each stream (e.g. the ply of a rollout), an int in 0..2**63-1.

    Returns:
      int64[B]; -1 for rows with no legal action.

    Raises:
      ValueError: a wrong mask, keys of the wrong dtype, shape or sign, or a bad counter.
    """
    mask = check_mask(mask)
    keys = check_keys(keys, mask.shape[0])
    counter = check_int("counter", counter, 0, MAX_COUNTER)
    return _pick_uniform_legal(mask.view(np.uint8), _as_words(mask), _keyed_uniforms(keys, counter))


@numba.njit(cache=True)
def keyed_pick_row(mask: np.ndarray, words: np.ndarray, keys: np.ndarray, counter: int, row: int, key: int) -> int:
    """The action `sample_legal_actions_keyed` draws for a row with mask row `row` and key
    keys[key], for numba loops that own their masks (no checks) and visit only some rows (or
    keep a row's mask elsewhere): mask is the uint8 view of bool[R, A], words its uint64 view
    when A % 8 == 0 (else an empty array; the draw is the same)."""
    return _pick_row(mask, words, row, _keyed_uniform(keys[key], counter))


def legal_mask_views(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 view, uint64 word view or empty) of a C-contiguous bool[B, A] mask, for
    `keyed_pick_row`; both share the mask's memory."""
    return mask.view(np.uint8), _as_words(mask)
