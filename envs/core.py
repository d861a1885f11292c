"""The batched game kernel contract shared by every game, and the invariants enforced once.

A game is a `Game` spec plus pure functions over a batched `State` (batch first, numpy
arrays). `Game.step` is the only way to advance a state. It validates the actions, copies
the state (the input is never mutated), zeroes the rewards and hands the copy to the
game's in-place kernel together with the rows that may move. So for every game:

- rows that are already finished (or excluded with `where=`) ignore their action and stay
  unchanged, with zero rewards;
- an illegal or out-of-range action on a live row raises `IllegalActionError` naming the
  row, the action and the legal set; nothing is clipped;
- the legal-action mask of a finished row is all False.

Shapes: B batch, A actions, P players, C/H/W observation planes.
"""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numba
import numpy as np

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


@dataclass(frozen=True)
class Symmetry:
    """A board symmetry that maps positions to equivalent positions with the same values.

    Attributes:
      name: e.g. "rot90", "flip_lr".
      cell_source: int[H*W]; flat cell k of the transformed board shows cell cell_source[k].
      action_source: int[A]; action k of the transformed position is action_source[k] before.
    """

    name: str
    cell_source: np.ndarray
    action_source: np.ndarray

    def observation(self, obs: np.ndarray) -> np.ndarray:
        """Transform float32[..., C, H, W] observations."""
        flat = obs.reshape(*obs.shape[:-2], -1)
        return flat[..., self.cell_source].reshape(obs.shape)

    def policy(self, values: np.ndarray) -> np.ndarray:
        """Transform per-action arrays [..., A] (policies, masks, logits)."""
        return values[..., self.action_source]

    def action(self, actions: np.ndarray) -> np.ndarray:
        """Map actions int[...] of the original position to the transformed one."""
        return self._action_target[actions]

    @functools.cached_property
    def _action_target(self) -> np.ndarray:
        # int[A]: the inverse permutation of action_source, computed once.
        inverse = np.empty_like(self.action_source)
        inverse[self.action_source] = np.arange(self.action_source.size)
        return inverse


def grid_symmetries(height: int, width: int, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Cell permutations (int[H*W], see `Symmetry.cell_source`) of an H×W grid by name.

    Names: identity, rot90, rot180, rot270, flip_lr, flip_ud, transpose, anti_transpose.
    rot90/rot270/transpose/anti_transpose need a square grid.
    """
    grid = np.arange(height * width).reshape(height, width)
    transforms: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "identity": lambda g: g,
        "rot90": lambda g: np.rot90(g, 1),
        "rot180": lambda g: np.rot90(g, 2),
        "rot270": lambda g: np.rot90(g, 3),
        "flip_lr": np.fliplr,
        "flip_ud": np.flipud,
        "transpose": lambda g: g.T,
        "anti_transpose": lambda g: np.rot90(g, 2).T,
    }
    return {name: np.ascontiguousarray(transforms[name](grid)).ravel() for name in names}


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
      apply: in-place kernel `apply(state_copy, action[B], active[B])`; must only touch
        active rows and must write rewards only for them.
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

    def step(self, state: State, action: np.ndarray, *, where: np.ndarray | None = None) -> State:
        """Apply one action per row and return the new state (the input is not mutated).

        Args:
          state: B games.
          action: int[B]; entries of rows that are finished or not in `where` are ignored.
          where: optional bool[B]; only these rows move, the others stay unchanged.

        Returns:
          The next state; `rewards` hold this transition's rewards (zero for rows that did
          not move).

        Raises:
          IllegalActionError: a moving row's action is out of range or illegal.
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
        new = state.copy()
        new.rewards.fill(0.0)
        self.apply(new, action, active)
        return new

    def resign(self, state: State, rows: np.ndarray) -> State:
        """The player to move resigns in the live rows selected by bool[B] `rows`.

        Those rows end (terminated) with -1 for the resigning player and +1 for the other;
        other rows are unchanged with zero rewards. Used to forfeit on an illegal move.
        """
        rows = _check_rows_array(rows, state.batch_size, "rows", "a bool") & ~state.done
        new = state.copy()
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
def _pick_uniform_legal(mask: np.ndarray, words: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    # One uniform u per row seeds a SplitMix64 stream; rejection-sample actions uniform over
    # 0..A-1 until one is legal (uniform over the legal set). After a few misses, count the
    # legal actions: none gives -1 (finished rows cost almost nothing); a sparse mask draws
    # the k-th legal action directly; a dense one keeps rejecting.
    batch, num_actions = mask.shape
    out = np.full(batch, -1, dtype=np.int64)
    golden = np.uint64(0x9E3779B97F4A7C15)
    for b in range(batch):
        seed = np.uint64(uniform[b] * 9007199254740992.0)  # u * 2**53
        count = -1
        for attempt in range(_MAX_REJECTION_TRIES):
            if attempt == _TRIES_BEFORE_COUNTING:
                count = _count_legal(mask[b])
                if count == 0 or count * _SPARSE_RATIO < num_actions:
                    break
            seed += golden
            action = int((_splitmix64(seed) >> np.uint64(11)) * (num_actions / 9007199254740992.0))
            if mask[b, action]:
                out[b] = action
                break
        if out[b] >= 0:
            continue
        if count < 0:
            count = _count_legal(mask[b])
        if count > 0 and words.shape[0] == batch:
            out[b] = _kth_legal_words(words[b], _splitmix64(seed + golden), count)
        elif count > 0:
            out[b] = _kth_legal(mask[b], _splitmix64(seed + golden), count)
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
      mask: bool[B, A] legal-action mask.
      rng: the generator to draw from (one uniform per row).

    Returns:
      int64[B]; -1 for rows with no legal action (finished games, which `step` ignores).
    """
    return _pick_uniform_legal(mask.view(np.uint8), _as_words(mask), rng.random(mask.shape[0]))


@numba.njit(cache=True)
def _keyed_uniforms(keys: np.ndarray, counter: int) -> np.ndarray:
    # One uniform in [0, 1) per row from the row's key and a counter (SplitMix64).
    out = np.empty(keys.shape[0], dtype=np.float64)
    offset = np.uint64(counter) * np.uint64(0xD1B54A32D192ED03)
    for b in range(keys.shape[0]):
        out[b] = (_splitmix64(keys[b] ^ offset) >> np.uint64(11)) / 9007199254740992.0
    return out


def sample_legal_actions_keyed(mask: np.ndarray, keys: np.ndarray, counter: int) -> np.ndarray:
    """Like `sample_legal_actions`, but row b draws from its own stream (keys[b], counter).

    Row b's choice depends only on its mask, keys[b] and counter, so B games sampled together
    give exactly what B separate games with the same keys give (used by search rollouts).

    Args:
      mask: bool[B, A].
      keys: uint64[B], one key per row.
      counter: which draw of each stream (e.g. the ply of a rollout).

    Returns:
      int64[B]; -1 for rows with no legal action.
    """
    return _pick_uniform_legal(mask.view(np.uint8), _as_words(mask), _keyed_uniforms(keys, counter))


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
