"""Numba compile time of the game kernels, for `throughput.py`.

Fresh interpreters time `import boardzoo.envs` and the first `init(1)`, `sample_legal_actions`,
`step` and `observe` of each game, once with an empty `NUMBA_CACHE_DIR` (cold) and once more
with the same, now filled, cache (warm). Games are probed in order in one interpreter, so a
function shared between games is compiled by the first game that calls it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _harness import table

PROBE = """
import json, sys, time
start = time.perf_counter()
import boardzoo.envs
import_s = time.perf_counter() - start
import numpy as np
from boardzoo.envs import make, sample_legal_actions

rng = np.random.default_rng(0)
games = {}
for label, game_id, params in json.loads(sys.argv[1]):
    game = make(game_id, **params)
    times = {}
    t = time.perf_counter(); state = game.init(1); times["init"] = time.perf_counter() - t
    t = time.perf_counter()
    actions = sample_legal_actions(state.legal_action_mask, rng)
    times["sample_legal_actions"] = time.perf_counter() - t
    t = time.perf_counter(); state = game.step(state, actions); times["step"] = time.perf_counter() - t
    t = time.perf_counter(); game.observe(state); times["observe"] = time.perf_counter() - t
    games[label] = times
print(json.dumps({"import_s": import_s, "games": games}))
"""


def probe(games: dict[str, tuple[str, dict[str, Any]]], cache_dir: str) -> dict[str, Any]:
    """Run the probe over `games` (label -> (game id, parameters)) in a fresh interpreter with
    NUMBA_CACHE_DIR=cache_dir; its timings in seconds."""
    arguments = json.dumps([[label, game_id, params] for label, (game_id, params) in games.items()])
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    command = [sys.executable, "-c", PROBE, arguments]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    timings = json.loads(result.stdout.strip().splitlines()[-1])
    timings["first_calls_s"] = sum(sum(t.values()) for t in timings["games"].values())
    timings["cache_files"] = sum(1 for p in Path(cache_dir).rglob("*") if p.is_file())
    return timings


def compile_times(games: dict[str, tuple[str, dict[str, Any]]], progress: Any) -> dict[str, Any]:
    """Cold- and warm-cache timings of the same probe, sharing one fresh cache folder; advances
    the tqdm bar `progress` twice."""
    timings = {}
    with tempfile.TemporaryDirectory(prefix="boardzoo-numba-cache-") as cache_dir:
        for phase in ("cold", "warm"):
            progress.set_postfix_str(f"numba compile, {phase} cache")
            timings[phase] = probe(games, cache_dir)
            progress.update()
    return {"games": list(games), **timings}


def compile_table(result: dict[str, Any]) -> str:
    """First calls per game and phase: cold- and warm-cache seconds."""
    cold, warm = result["cold"], result["warm"]
    rows = [["-", "import boardzoo.envs", f"{cold['import_s']:.3f}", f"{warm['import_s']:.3f}"]]
    for game in result["games"]:
        for phase, cold_s in cold["games"][game].items():
            rows.append([game, phase, f"{cold_s:.3f}", f"{warm['games'][game][phase]:.3f}"])
    rows.append(["all", "first calls, total", f"{cold['first_calls_s']:.3f}", f"{warm['first_calls_s']:.3f}"])
    return table(["game", "first call", "cold cache (s)", "warm cache (s)"], rows, left=2)


def compile_notes(result: dict[str, Any]) -> str:
    return (
        "First calls in a fresh interpreter, games in this order (functions shared between "
        "games are compiled by the first game that calls them); cold = empty NUMBA_CACHE_DIR, "
        f"warm = the same cache again ({result['cold']['cache_files']} cache files written). "
        "The first numba call of a process also pays numba's one-time start-up, warm cache or not."
    )
