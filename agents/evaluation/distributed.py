"""Evaluation cells as Ray tasks. `map_on_ray` runs independent calls (compare's trainings and
scorings) side by side. `round_robin_on_ray` is an arena's round robin on a Ray cluster: every
match of `Arena.missing_matches` is a Ray task (one CPU) that builds its two players from their
specs and plays with the match's own seed, so the log and the Elo table are those of a local
`Arena.round_robin` with the same rng.

    boardzoo arena connect_four --players random uct:100 uct:1000 --ray local
    boardzoo arena connect_four --players uct:100 search:runs/c4:64 --ray auto   # on a cluster

Checkpoints named by specs must be readable at the same path on every node. Results are logged
in match order as soon as every earlier match has finished.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from tqdm import tqdm

from boardzoo.agents.evaluation.arena import Arena, Match
from boardzoo.agents.players import MatchResult, play_match, player_from_spec
from boardzoo.agents.training.distributed import connect, require_ray
from boardzoo.agents.training.run import set_threads
from boardzoo.envs import make


def play_spec_match(
    game_id: str, game_params: dict[str, int], spec_a: str, spec_b: str, games: int, seed: np.random.SeedSequence
) -> MatchResult:
    """One match between two players built from specs (the body of a Ray task; one torch thread)."""
    set_threads(1)
    game = make(game_id, **game_params)
    player_a, player_b = player_from_spec(game, spec_a), player_from_spec(game, spec_b)
    return play_match(game, player_a, player_b, games, np.random.default_rng(seed))


def round_robin_on_ray(
    arena: Arena,
    specs: dict[str, str],
    games_per_pair: int,
    rng: np.random.Generator,
    *,
    address: str,
    progress: bool = False,
) -> list[MatchResult]:
    """`arena.round_robin` with the matches played as Ray tasks.

    Args:
      arena: the arena whose log is topped up.
      specs: display name -> player spec, in round-robin order.
      games_per_pair: games each pair should have in the log.
      rng: one draw seeds every match (as in `Arena.missing_matches`).
      address: "local", "auto" or a cluster address (Ray is left as found if already initialised).
      progress: show a progress bar and each match's result.

    Returns:
      The results of the matches played, in match order.
    """
    matches: list[Match] = arena.missing_matches(list(specs), games_per_pair, rng)
    started = connect(address)
    ray = require_ray()
    try:
        task = ray.remote(num_cpus=1)(play_spec_match)
        game_id, params = arena.game.id, dict(arena.game.params)
        refs = [task.remote(game_id, params, specs[m.a], specs[m.b], m.games, m.seed) for m in matches]
        results = []
        for match, ref in tqdm(list(zip(matches, refs, strict=True)), desc="round robin", disable=not progress):
            result = ray.get(ref)
            arena.record(match.a, match.b, result)
            results.append(result)
            if progress:
                tqdm.write(f"{match.a} vs {match.b}: {result.wins}/{result.draws}/{result.losses}")
        return results
    finally:
        if started:
            ray.shutdown()


def map_on_ray(
    function: Callable[..., Any],
    calls: Sequence[tuple[Any, ...]],
    *,
    cpus: int = 1,
    desc: str = "",
    progress: bool = False,
) -> Iterator[Any]:
    """`function(*call)` for every call, as Ray tasks of `cpus` CPUs each (all submitted at once,
    so they run side by side as the cluster allows); yields the results in call order, each as
    soon as it and those before it are done (so a caller can save them as they come). Ray must
    be connected (`training.distributed.connect`)."""
    ray = require_ray()
    task = ray.remote(num_cpus=cpus)(function)
    refs = [task.remote(*call) for call in calls]
    for ref in tqdm(refs, desc=desc, disable=not progress):
        yield ray.get(ref)
