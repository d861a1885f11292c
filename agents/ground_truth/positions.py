"""Standard position sets for the solved games, labelled by perfect play and cached on disk.

    random = standard_positions(make("connect_four"), "random")   # 600 positions from random play
    strong = standard_positions(make("connect_four"), "strong")   # 400 from near-perfect play
    states = strong.states()                                      # kernel states, replayed

A set is drawn reproducibly (fixed seed) from games of random play ("random") or of perfect play
with a share `epsilon` of random moves on both sides ("strong"), stratified by ply: the game
length is cut into `bands` equal bands and each band gets an equal share of the positions (at
most one position per game and band, no position twice; a band that too few games reach is
topped up from the others). Positions are stored as the moves that reach them (so the kernel
replays them) with the solver's values and distances of every move. Sets are cached as npz files
(no pickles) under `$BOARDZOO_CACHE/positions`, else `~/.cache/boardzoo/positions`. The 7 × 6
Connect Four sets need the `solvers` extra (bitbully) to be generated.

Shapes: N positions, L plies, A actions.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from boardzoo.agents.atomic import write_atomically
from boardzoo.agents.players import PerfectPlayer, Player, RandomPlayer
from boardzoo.agents.solvers import Solver, position_values, solver_for
from boardzoo.envs import Game, State

KINDS = ("random", "strong")
FORMAT_VERSION = 1
CACHE_ENV = "BOARDZOO_CACHE"
STRONG_EPSILON = 0.2
"""share of random moves in the "strong" games"""
BANDS = 6
STANDARD_COUNTS = {("connect_four", (("columns", 7), ("rows", 6), ("x_in_row", 4))): {"random": 600, "strong": 400}}
DEFAULT_COUNTS = {"random": 300, "strong": 200}
"""positions per set for games without their own entry in STANDARD_COUNTS"""


@dataclass(frozen=True)
class PositionSet:
    """Positions of one game with their perfect-play labels.

    Attributes:
      game: the game.
      kind: "random" or "strong" (how the games were played).
      moves: int16[N, L], the actions from the start that reach each position (-1 after).
      plies: int16[N], the number of moves played.
      values: int8[N, A], the solver's move values (see `boardzoo.agents.solvers.Solution`).
      distances: int16[N, A], the solver's distances (-1 where unknown or illegal).
      seed: the seed it was drawn with.
      epsilon: the share of random moves of "strong" games (0 for "random").
    """

    game: Game
    kind: str
    moves: np.ndarray
    plies: np.ndarray
    values: np.ndarray
    distances: np.ndarray
    seed: int = 0
    epsilon: float = 0.0

    def __len__(self) -> int:
        return int(self.plies.shape[0])

    @property
    def value(self) -> np.ndarray:
        """int8[N]: each position's value for the player to move."""
        return position_values(self.values, self.distances)[0]

    def states(self) -> State:
        """The N positions as one batch of kernel states (replayed from the start)."""
        return replay(self.game, self.moves, self.plies)

    def save(self, path: str | Path) -> Path:
        """Write the set as an npz file (atomically)."""
        meta = {"game": self.game.id, "params": dict(self.game.params), "kind": self.kind}
        meta |= {"seed": self.seed, "epsilon": self.epsilon, "version": FORMAT_VERSION}
        arrays = {"moves": self.moves, "plies": self.plies, "values": self.values, "distances": self.distances}
        buffer = _npz_bytes(meta=np.array(json.dumps(meta)), **arrays)
        return write_atomically(path, buffer)

    @classmethod
    def load(cls, path: str | Path, game: Game) -> PositionSet:
        """Read a set written by `save`; ValueError if it is for another game or format."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            arrays = {name: data[name] for name in ("moves", "plies", "values", "distances")}
        if meta.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path}: position set format {meta.get('version')}, expected {FORMAT_VERSION}")
        if meta["game"] != game.id or meta["params"] != dict(game.params):
            raise ValueError(f"{path} holds positions of {meta['game']} {meta['params']}, not {game!r}")
        return cls(game, meta["kind"], seed=meta["seed"], epsilon=meta["epsilon"], **arrays)


def _npz_bytes(**arrays: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def replay(game: Game, moves: np.ndarray, plies: np.ndarray) -> State:
    """Kernel states reached by int[N, L] `moves` after int[N] `plies` moves each."""
    state = game.init(len(plies))
    for ply in range(int(plies.max(initial=0))):
        state = game.step(state, moves[:, ply].astype(np.int64), where=plies > ply, in_place=True)
    return state


def cache_folder() -> Path:
    """Where position sets are cached: $BOARDZOO_CACHE/positions, else ~/.cache/boardzoo/positions."""
    root = os.environ.get(CACHE_ENV) or os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "boardzoo")
    return Path(root).expanduser() / "positions"


def standard_count(game: Game, kind: str) -> int:
    """How many positions the standard set of `kind` holds for this game."""
    key = (game.id, tuple(sorted(game.params.items())))
    return STANDARD_COUNTS.get(key, DEFAULT_COUNTS)[_check_kind(kind)]


def standard_positions(
    game: Game, kind: str, *, count: int | None = None, seed: int = 0, solver: Solver | None = None
) -> PositionSet:
    """The game's standard set of `kind` (or `count` positions), from the cache or generated
    (and cached); see the module docstring."""
    count = standard_count(game, kind) if count is None else count
    epsilon = STRONG_EPSILON if kind == "strong" else 0.0
    params = "-".join(f"{k}{v}" for k, v in sorted(game.params.items()))
    name = f"{game.id}{'-' + params if params else ''}-{kind}-n{count}-eps{epsilon:g}-seed{seed}-v{FORMAT_VERSION}.npz"
    path = cache_folder() / name
    if path.is_file():
        return PositionSet.load(path, game)
    positions = generate_positions(game, kind, count, seed=seed, epsilon=epsilon, solver=solver)
    positions.save(path)
    return positions


def generate_positions(
    game: Game,
    kind: str,
    count: int,
    *,
    seed: int = 0,
    epsilon: float = STRONG_EPSILON,
    solver: Solver | None = None,
    bands: int = BANDS,
    batch_size: int = 64,
) -> PositionSet:
    """Draw and label `count` positions (see the module docstring; `epsilon` only for "strong").

    Games are played `batch_size` at a time until every band has its share, or until a budget
    of games (40 × count for random play, 2 × count for strong play, which needs a solve per
    move) is spent; then short bands are made up from the others.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive int, got {count!r}")
    solver = solver if solver is not None else solver_for(game)
    rng = np.random.default_rng([seed, KINDS.index(_check_kind(kind))])
    player: Player = PerfectPlayer(game, epsilon, solver) if kind == "strong" else RandomPlayer()
    edges = np.linspace(0, game.max_game_length, bands + 1).round().astype(int)
    quotas = np.diff(np.linspace(0, count, bands + 1).round().astype(int))
    found: list[list[np.ndarray]] = [[] for _ in range(bands)]
    seen: set[bytes] = set()
    budget = (2 if kind == "strong" else 40) * count
    for _ in range(max(1, -(-budget // batch_size))):
        moves, boards = _play(game, player, batch_size, rng)
        _collect(moves, boards, edges, 2 * quotas, found, seen, rng)
        if all(len(f) >= q for f, q in zip(found, quotas, strict=True)):
            break
    picked = _select(found, quotas, count)
    plies = np.array([len(p) for p in picked], np.int16)
    moves = np.full((len(picked), game.max_game_length), -1, np.int16)
    for i, path in enumerate(picked):
        moves[i, : len(path)] = path
    order = np.argsort(plies, kind="stable")
    moves, plies = moves[order], plies[order]
    solution = solver.solve(replay(game, moves, plies))
    epsilon = epsilon if kind == "strong" else 0.0
    return PositionSet(game, kind, moves, plies, solution.values, solution.distances, seed, epsilon)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"position set kind must be one of {KINDS}, got {kind!r}")
    return kind


def _play(game: Game, player: Player, batch: int, rng: np.random.Generator) -> tuple[np.ndarray, list[list[bytes]]]:
    # `batch` games to the end: their moves int64[batch, L] (-1 after the end) and, per game,
    # the board key of every unfinished position on the way.
    state = game.init(batch)
    moves = np.full((batch, game.max_game_length), -1, np.int64)
    boards: list[list[bytes]] = [[] for _ in range(batch)]
    for ply in range(game.max_game_length):
        live = np.flatnonzero(~state.done)
        if not live.size:
            break
        cells = game.cells_fn(state)
        for row in live:
            boards[row].append(cells[row].tobytes())
        action = player.act(state, rng)
        moves[live, ply] = action[live]
        state = game.step(state, action, in_place=True)
    return moves, boards


def _collect(moves, boards, edges, limits, found, seen, rng) -> None:
    # Add at most one new position per game and band, up to `limits` per band.
    for row, keys in enumerate(boards):
        for band, limit in enumerate(limits):
            if len(found[band]) >= limit:
                continue
            plies = [p for p in range(edges[band], min(edges[band + 1], len(keys))) if keys[p] not in seen]
            if plies:
                ply = int(rng.choice(plies))
                seen.add(keys[ply])
                found[band].append(moves[row, :ply].copy())


def _select(found: list[list[np.ndarray]], quotas: np.ndarray, count: int) -> list[np.ndarray]:
    # Each band's quota where it has enough positions; the shortfall taken from the others'
    # surplus, band by band.
    taken = [min(len(f), q) for f, q in zip(found, quotas, strict=True)]
    for band, positions in enumerate(found):
        extra = min(len(positions) - taken[band], count - sum(taken))
        taken[band] += max(extra, 0)
    if sum(taken) < count:
        raise ValueError(f"only {sum(taken)} distinct positions were found; {count} were asked for")
    return [p for positions, n in zip(found, taken, strict=True) for p in positions[:n]]
