"""The arena: batched matches between named players, appended to a match log, rated by Elo.

    arena = Arena(make("connect_four"), "runs/arena/connect_four.jsonl")
    arena.play("uct1000", UCTPlayer(game, 1000), "random", RandomPlayer(), games=100, rng=rng)
    print(arena.ratings().markdown())          # Elo, anchored on random = 0, with 95% intervals

The log has one JSON line per game: {"game", "a", "b", "seat_a", "outcome_a", "plies"},
so ratings can be refitted from every game ever played, and matches can be added later. A round
robin gives each pair's match its own seed (from one draw of the caller's rng, the two names
and the games already logged), so the matches are independent of the order they run in:
`boardzoo arena ... --ray local` plays them as Ray tasks (`evaluation.distributed`) and logs the
same games as a local run. `boardzoo arena` builds players from specs
(`boardzoo.agents.players.specs`: "random", "uct:1000", "search:DIR:64", "network:DIR") and
prints the table.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from boardzoo.agents.evaluation.ratings import Ratings, rate
from boardzoo.agents.players import MatchResult, Player, parse_spec, play_match, player_from_spec, spec_name
from boardzoo.agents.players.specs import SPEC_HELP
from boardzoo.agents.validation import check_ints, check_ray_address
from boardzoo.envs import Game, make


class Arena:
    """Plays matches for one game and keeps their results in a JSONL log (created if absent)."""

    def __init__(self, game: Game, log_path: str | Path) -> None:
        self.game = game
        self.log_path = Path(log_path)

    def play(
        self,
        name_a: str,
        player_a: Player,
        name_b: str,
        player_b: Player,
        games: int,
        rng: np.random.Generator,
        batch_size: int | None = None,
    ) -> MatchResult:
        """Play `games` games (seats alternated) and append them to the log."""
        if name_a == name_b:
            raise ValueError(f"the two players need different names, got {name_a!r} twice")
        result = play_match(self.game, player_a, player_b, games, rng, batch_size)
        self.record(name_a, name_b, result)
        return result

    def record(self, name_a: str, name_b: str, result: MatchResult) -> None:
        """Append a played match's games to the log."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "a") as handle:
            for i in range(result.outcome.size):
                handle.write(
                    json.dumps(
                        {
                            "game": repr(self.game),
                            "a": name_a,
                            "b": name_b,
                            "seat_a": int(result.seat_a[i]),
                            "outcome_a": float(result.outcome[i]),
                            "plies": int(result.plies[i]),
                        }
                    )
                    + "\n"
                )

    def round_robin(
        self, players: dict[str, Player], games_per_pair: int, rng: np.random.Generator, progress: bool = False
    ) -> None:
        """Top every pair up to `games_per_pair` logged games (so an interrupted round robin
        resumes where it stopped, and a larger `games_per_pair` only adds games)."""
        for match in tqdm(
            self.missing_matches(list(players), games_per_pair, rng),
            desc="round robin",
            unit="pair",
            disable=not progress,
        ):
            a, b = match.a, match.b
            result = self.play(a, players[a], b, players[b], match.games, np.random.default_rng(match.seed))
            if progress:
                tqdm.write(f"{a} vs {b}: {result.wins}/{result.draws}/{result.losses}")

    def missing_matches(self, names: list[str], games_per_pair: int, rng: np.random.Generator) -> list[Match]:
        """The matches that top every pair of `names` up to `games_per_pair` logged games, in
        pair order, each with its own seed: one draw of `rng`, the two names and the games
        already logged (so a top-up plays new games, and no match depends on another)."""
        played: dict[frozenset[str], int] = {}
        for record in self.records():
            pair = frozenset((record["a"], record["b"]))
            played[pair] = played.get(pair, 0) + 1
        base = int(rng.integers(0, 2**63))
        matches = []
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                done = played.get(frozenset((a, b)), 0)
                if games_per_pair > done:
                    seed = np.random.SeedSequence(base, spawn_key=(_name_key(a), _name_key(b), done))
                    matches.append(Match(a, b, games_per_pair - done, seed))
        return matches

    def records(self) -> list[dict]:
        """Every logged game of this arena's game."""
        if not self.log_path.is_file():
            return []
        records = []
        for number, line in enumerate(self.log_path.read_text().splitlines(), start=1):
            if line.strip():
                records.append(_parse_record(line, f"{self.log_path}:{number}"))
        return [r for r in records if r["game"] == repr(self.game)]

    def ratings(self, anchor: str = "random", bootstrap: int = 200, seed: int = 0) -> Ratings:
        """Elo of every logged player, by maximum likelihood over all logged games."""
        return ratings_from_records(self.records(), anchor, bootstrap, seed)


@dataclass(frozen=True)
class Match:
    """One match a round robin still needs: `games` games of `a` against `b` (seats alternated),
    played with `np.random.default_rng(seed)`."""

    a: str
    b: str
    games: int
    seed: np.random.SeedSequence


def _name_key(name: str) -> int:
    # A player name as a seed word, the same in every process (str hashes are salted per process).
    return zlib.crc32(name.encode())


RECORD_FIELDS = {"game": str, "a": str, "b": str, "seat_a": int, "outcome_a": float, "plies": int}


def _parse_record(line: str, where: str) -> dict:
    # One logged game, checked field by field; ValueError naming the file and line.
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"{where}: not a JSON match record ({error.msg})") from None
    if not isinstance(record, dict):
        raise ValueError(f"{where}: not a JSON match record (an object is expected)")
    for name, kind in RECORD_FIELDS.items():
        value = record.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float if kind is float else kind):
            raise ValueError(f"{where}: field {name!r} must be {kind.__name__}, got {value!r}")
    if record["outcome_a"] not in (-1, 0, 1) or record["a"] == record["b"]:
        raise ValueError(f"{where}: outcome_a must be -1, 0 or 1 between two different players, got {record}")
    return record


def ratings_from_records(records: list[dict], anchor: str = "random", bootstrap: int = 200, seed: int = 0) -> Ratings:
    """Fit Elo to logged games (draws count half a point each way)."""
    players = sorted({r["a"] for r in records} | {r["b"] for r in records})
    index = {name: i for i, name in enumerate(players)}
    first = np.array([index[r["a"]] for r in records], np.int64)
    second = np.array([index[r["b"]] for r in records], np.int64)
    score = np.array([(r["outcome_a"] + 1) / 2 for r in records], np.float64)
    return rate(players, first, second, score, anchor=anchor, bootstrap=bootstrap, seed=seed)


@dataclass(frozen=True)
class ArenaConfig:
    """Play a round robin between players and print the Elo table (random = 0)."""

    game: str = "connect_four"
    """game id"""
    game_params: dict[str, int] = field(default_factory=dict)
    players: tuple[str, ...] = ("random", "uct:100", "uct:1000")
    """player specs: random, uct:<simulations>, search:<checkpoint>[:<simulations>], network:<checkpoint>"""
    games: int = 40
    """games per pair (seats alternated), counting those already in the log"""
    log: str = "runs/arena/matches.jsonl"
    """match log (appended to)"""
    bootstrap: int = 200
    """bootstrap resamples for the intervals"""
    seed: int = 0
    ray: str | None = None
    """play the matches as Ray tasks: "local" (start Ray here), "auto" (join the running cluster)
    or a cluster ADDRESS; None = in this process (same games either way; needs the `ray` extra,
    and checkpoints readable on every node)"""

    def __post_init__(self) -> None:
        if len(self.players) < 2 or len(set(self.players)) != len(self.players):
            raise ValueError(f"players must name at least two different players ({SPEC_HELP}), got {self.players}")
        for spec in self.players:
            parse_spec(spec, "players")
        check_ints(self, ("games",))
        check_ints(self, ("bootstrap", "seed"), minimum=0)
        check_ray_address(self)


def run_arena(config: ArenaConfig) -> Ratings:
    game = make(config.game, **config.game_params)
    arena = Arena(game, config.log)
    rng = np.random.default_rng(config.seed)
    if config.ray is not None:
        from boardzoo.agents.evaluation.distributed import round_robin_on_ray

        specs = {spec_name(spec): spec for spec in config.players}
        round_robin_on_ray(arena, specs, config.games, rng, address=config.ray, progress=True)
    else:
        players = {spec_name(spec): player_from_spec(game, spec) for spec in config.players}
        arena.round_robin(players, config.games, rng, progress=True)
    ratings = arena.ratings(bootstrap=config.bootstrap, seed=config.seed)
    print(ratings.markdown())
    return ratings
