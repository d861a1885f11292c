"""Random-play throughput of boardzoo against PettingZoo and OpenSpiel, single-threaded.

What it measures, in one run, in steps per second (a step = one move applied in one game),
with uniform random legal moves and the action sampling included in the timed loop:

1. The boardzoo kernel at each batch size (default B = 1, 64, 1024, 4096) for every game in
   `GAMES` (tic-tac-toe, Connect Four, Hex 7/11/19, Othello, Gomoku 15x15, Breakthrough, Go
   9x9 and 19x19): `sample_legal_actions -> game.step -> reset_finished(in_place=True)`, counting the rows
   that actually moved. No observations are built.
2. boardzoo's PettingZoo AEC env (`BOARDZOO_AEC_GAMES`) with the standard loop `for agent in
   env.agent_iter(): obs, r, term, trunc, info = env.last(); action = None if term or trunc
   else <random legal from obs["action_mask"]>; env.step(action)`, resetting after each game.
   Each env comes from its public `env()` factory.
3. PettingZoo's own `tictactoe_v3`, `connect_four_v3` and `go_v5` (9x9), with the same loop
   and the same sampler ("unavailable" if they cannot be imported, e.g. no pygame).
4. OpenSpiel (`pyspiel`): `new_initial_state()`, then `apply_action(random legal)` until
   terminal, with Python's `random` picking from `legal_actions()`. No observations.
5. Numba compile time: fresh subprocesses time `import boardzoo.envs` and the first
   `init(1)`, `sample_legal_actions`, `step` and `observe` of each game, once with an empty
   `NUMBA_CACHE_DIR` (cold) and once more with the same, now filled, cache (warm).

Every throughput measurement is warmed up first (so JIT compilation is excluded), then runs
for a fixed wall time `seconds`, `repeats` times; the median is reported. The results are
printed as Markdown (with the ratios and the issue's targets) and saved, stamped with
versions, machine and git commit, to `<out>/throughput.json` and `<out>/throughput.md`
(`throughput_quick.*` for `--quick` runs, so a smoke run never overwrites a full one).

Run from the repository root:

    .venv/bin/python benchmarks/throughput.py            # full run (about 2 minutes)
    .venv/bin/python benchmarks/throughput.py --quick    # smoke run: 0.2 s, 1 repeat
    .venv/bin/python benchmarks/throughput.py --help     # all options
"""

from __future__ import annotations

import os

# Single-threaded everywhere; must be set before numpy / numba are imported.
os.environ["NUMBA_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import importlib
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import tyro
from _report import environment_info, ratio, write_results
from tqdm import tqdm

from boardzoo.envs import Game, make, reset_finished, sample_legal_actions

NAME = "throughput"
SEED = 0
QUICK_SECONDS = 0.2
QUICK_REPEATS = 1
WARMUP_SECONDS = 0.2  # untimed play before each measurement (JIT compile, caches)
RATIO_BATCH = 1024  # the kernel batch size the ratios and targets use

KERNEL = "boardzoo kernel"
BOARDZOO_AEC = "boardzoo AEC"
PETTINGZOO_AEC = "PettingZoo AEC"
OPENSPIEL = "OpenSpiel"

# Benchmark game label -> (boardzoo game id, parameters).
GAMES: dict[str, tuple[str, dict[str, Any]]] = {
    "tic_tac_toe": ("tic_tac_toe", {}),
    "connect_four": ("connect_four", {}),
    "hex_7": ("hex", {"board_size": 7}),
    "hex_11": ("hex", {"board_size": 11}),
    "hex_19": ("hex", {"board_size": 19}),
    "othello": ("othello", {}),
    "gomoku_15": ("gomoku", {}),
    "breakthrough": ("breakthrough", {}),
    "go_9": ("go", {"board_size": 9}),
    "go_19": ("go", {"board_size": 19}),
}
BOARDZOO_AEC_GAMES = ("tic_tac_toe", "connect_four", "hex_11", "go_9")
# label -> (PettingZoo classic module, its kwargs)
PETTINGZOO_ENVS: dict[str, tuple[str, dict[str, Any]]] = {
    "tic_tac_toe": ("tictactoe_v3", {}),
    "connect_four": ("connect_four_v3", {}),
    "go_9": ("go_v5", {"board_size": 9}),
}
# label -> (OpenSpiel game, its parameters): same rules (Go differs only by superko, which a
# random game meets in about 1% of games; the length cap is OpenSpiel's 2·N² too).
OPENSPIEL_GAMES: dict[str, tuple[str, dict[str, Any]]] = {
    **{label: GAMES[label] for label in ("tic_tac_toe", "connect_four", "hex_7", "hex_11", "hex_19")},
    "othello": ("othello", {}),
    "gomoku_15": ("gomoku", {"size": 15, "connect": 5}),
    "breakthrough": ("breakthrough", {}),
    "go_9": ("go", {"board_size": 9}),
    "go_19": ("go", {"board_size": 19}),
}

# The issues' targets (kernel at B = RATIO_BATCH): vs PettingZoo's AEC env, vs OpenSpiel.
TARGET_KERNEL_VS_PETTINGZOO = {"tic_tac_toe": 10.0, "connect_four": 10.0}
TARGET_KERNEL_VS_OPENSPIEL = {
    **dict.fromkeys(
        ("tic_tac_toe", "connect_four", "hex_7", "hex_11", "hex_19", "othello", "gomoku_15", "breakthrough"), 5.0
    ),
    "go_9": 2.0,
}
TARGET_AEC_VS_PETTINGZOO = 3.0
TARGET_AEC_GAME = "connect_four"

# A runner plays for at least `seconds` of wall time and returns (moves applied, elapsed s).
Runner = Callable[[float], tuple[int, float]]


@dataclass(frozen=True)
class ThroughputConfig:
    """Random-legal-move throughput of boardzoo vs PettingZoo and OpenSpiel (single thread)."""

    seconds: float = 1.0
    """Wall time of one timed repeat, in seconds."""
    repeats: int = 3
    """Timed repeats per measurement; the median is reported."""
    batch_sizes: tuple[int, ...] = (1, 64, 1024, 4096)
    """Batch sizes of the boardzoo kernel measurements."""
    quick: bool = False
    """Smoke run: 0.2 s and 1 repeat per measurement (overrides seconds and repeats)."""
    out: str = "benchmarks/results"
    """Output folder (relative paths are taken from the repository root)."""
    games: tuple[str, ...] = ()
    """Game labels to measure (default: all of GAMES)."""

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError(f"seconds must be positive, got {self.seconds}")
        if self.repeats < 1:
            raise ValueError(f"repeats must be at least 1, got {self.repeats}")
        unknown = sorted(set(self.games) - set(GAMES))
        if unknown:
            raise ValueError(f"unknown game label(s) {unknown}; allowed: {sorted(GAMES)}")
        if not self.batch_sizes or min(self.batch_sizes) < 1:
            raise ValueError(f"batch_sizes must be positive ints, got {self.batch_sizes}")

    @property
    def run_seconds(self) -> float:
        return QUICK_SECONDS if self.quick else self.seconds

    @property
    def run_repeats(self) -> int:
        return QUICK_REPEATS if self.quick else self.repeats

    @property
    def result_name(self) -> str:
        """Smoke and partial runs get their own files, so they never overwrite a full run."""
        name = f"{NAME}_partial" if self.games else NAME
        return f"{name}_quick" if self.quick else name


@dataclass(frozen=True)
class Measurement:
    """One throughput measurement; `build` raises ImportError if the library is missing."""

    game: str
    implementation: str
    batch_size: int
    build: Callable[[], Runner]


@dataclass(frozen=True)
class Result:
    """Throughput of one measurement: raw repeats and median (steps/s), or why it is missing."""

    game: str
    implementation: str
    batch_size: int
    repeats: tuple[float, ...] = ()
    median: float | None = None
    unavailable: str | None = None


# --- samplers and timed loops -------------------------------------------------------------


def random_legal_from_mask(mask: np.ndarray, rand: Callable[[], float]) -> int:
    """A uniformly random legal action from an int8/bool action mask (the AEC sampler)."""
    legal = np.flatnonzero(mask)
    return int(legal[int(rand() * legal.size)])


def play_aec_game(env: Any, rand: Callable[[], float]) -> int:
    """Reset and play one game with the standard PettingZoo AEC loop; returns the moves."""
    env.reset()
    moves = 0
    for _agent in env.agent_iter():
        observation, _reward, termination, truncation, _info = env.last()
        if termination or truncation:
            action = None
        else:
            action = random_legal_from_mask(observation["action_mask"], rand)
            moves += 1
        env.step(action)
    return moves


def kernel_runner(game: Game, batch_size: int) -> Runner:
    """Batched play: sample -> step -> reset_finished; the batch carries over between calls.

    The loop owns each state `step` returns, so it resets finished rows in place, as the
    vector envs do (a pure `reset_finished` would copy the whole batch once more per step).
    """
    rng = np.random.default_rng(SEED)
    template = game.init(1)
    state = game.init(batch_size)

    def run(seconds: float) -> tuple[int, float]:
        nonlocal state
        steps = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            steps += int(np.count_nonzero(~state.done))
            actions = sample_legal_actions(state.legal_action_mask, rng)
            state = game.step(state, actions)
            state = reset_finished(game, state, template, in_place=True)
            now = time.perf_counter()
            if now >= deadline:
                return steps, now - start

    return run


def aec_runner(make_env: Callable[[], Any]) -> Runner:
    """Whole AEC games, one after another, until the time is up."""
    env = make_env()
    env.reset(seed=SEED)
    rand = random.Random(SEED).random

    def run(seconds: float) -> tuple[int, float]:
        steps = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            steps += play_aec_game(env, rand)
            now = time.perf_counter()
            if now >= deadline:
                return steps, now - start

    return run


def openspiel_runner(game_id: str, params: dict[str, Any]) -> Runner:
    """Whole OpenSpiel games with `apply_action(random legal)` until the time is up."""
    import pyspiel

    game = pyspiel.load_game(game_id, params) if params else pyspiel.load_game(game_id)
    rand = random.Random(SEED).random

    def run(seconds: float) -> tuple[int, float]:
        steps = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            state = game.new_initial_state()
            while not state.is_terminal():
                legal = state.legal_actions()
                state.apply_action(legal[int(rand() * len(legal))])
                steps += 1
            now = time.perf_counter()
            if now >= deadline:
                return steps, now - start

    return run


def boardzoo_kernel(label: str, batch_size: int) -> Runner:
    game_id, params = GAMES[label]
    return kernel_runner(make(game_id, **params), batch_size)


def boardzoo_aec(label: str) -> Runner:
    game_id, params = GAMES[label]
    module = importlib.import_module(f"boardzoo.envs.{game_id}_v0")
    return aec_runner(partial(module.env, **params))


def pettingzoo_aec(label: str) -> Runner:
    name, kwargs = PETTINGZOO_ENVS[label]
    module = importlib.import_module(f"pettingzoo.classic.{name}")
    return aec_runner(partial(module.env, **kwargs))


def openspiel(label: str) -> Runner:
    game_id, params = OPENSPIEL_GAMES[label]
    return openspiel_runner(game_id, params)


# --- measurement plan and execution -------------------------------------------------------


def implementation_name(implementation: str, game: str) -> str:
    if implementation == PETTINGZOO_AEC:
        return f"{PETTINGZOO_AEC} ({PETTINGZOO_ENVS[game][0]})"
    return implementation


def plan(batch_sizes: tuple[int, ...], games: tuple[str, ...] = ()) -> list[Measurement]:
    """All throughput measurements of `games` (default all), grouped by game."""
    measurements: list[Measurement] = []
    for label in games or tuple(GAMES):
        for batch in batch_sizes:
            measurements.append(Measurement(label, KERNEL, batch, partial(boardzoo_kernel, label, batch)))
        if label in BOARDZOO_AEC_GAMES:
            measurements.append(Measurement(label, BOARDZOO_AEC, 1, partial(boardzoo_aec, label)))
        if label in PETTINGZOO_ENVS:
            measurements.append(Measurement(label, PETTINGZOO_AEC, 1, partial(pettingzoo_aec, label)))
        if label in OPENSPIEL_GAMES:
            measurements.append(Measurement(label, OPENSPIEL, 1, partial(openspiel, label)))
    return measurements


def measure(runner: Runner, seconds: float, repeats: int) -> tuple[float, ...]:
    """Warm up untimed, then `repeats` timed runs of `seconds`; steps/s of each."""
    runner(min(WARMUP_SECONDS, seconds))
    rates = []
    for _ in range(repeats):
        steps, elapsed = runner(seconds)
        rates.append(steps / elapsed)
    return tuple(rates)


def run_measurement(m: Measurement, seconds: float, repeats: int) -> Result:
    try:
        runner = m.build()
    except ImportError as error:
        return Result(m.game, m.implementation, m.batch_size, unavailable=f"{type(error).__name__}: {error}")
    rates = measure(runner, seconds, repeats)
    return Result(m.game, m.implementation, m.batch_size, rates, statistics.median(rates))


# --- numba compile time (subprocesses) ----------------------------------------------------

COMPILE_PROBE = """
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
COMPILE_GAMES = ("tic_tac_toe", "connect_four", "hex_11", "othello", "gomoku_15", "breakthrough", "go_9")


def compile_probe(cache_dir: str) -> dict[str, Any]:
    """Run the probe in a fresh interpreter with NUMBA_CACHE_DIR=cache_dir; its timings."""
    games = [[label, *GAMES[label]] for label in COMPILE_GAMES]
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    result = subprocess.run(
        [sys.executable, "-c", COMPILE_PROBE, json.dumps(games)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    timings = json.loads(result.stdout.strip().splitlines()[-1])
    timings["first_calls_s"] = sum(sum(t.values()) for t in timings["games"].values())
    timings["cache_files"] = sum(1 for p in Path(cache_dir).rglob("*") if p.is_file())
    return timings


def compile_times(progress: tqdm) -> dict[str, Any]:
    """Cold- and warm-cache timings of the same probe, sharing one fresh cache folder."""
    with tempfile.TemporaryDirectory(prefix="boardzoo-numba-cache-") as cache_dir:
        progress.set_postfix_str("numba compile, cold cache")
        cold = compile_probe(cache_dir)
        progress.update()
        progress.set_postfix_str("numba compile, warm cache")
        warm = compile_probe(cache_dir)
        progress.update()
    return {"games": list(COMPILE_GAMES), "cold": cold, "warm": warm}


# --- ratios and targets -------------------------------------------------------------------


def median_of(results: list[Result], game: str, implementation: str, batch_size: int = 1) -> float | None:
    for r in results:
        if (r.game, r.implementation, r.batch_size) == (game, implementation, batch_size):
            return r.median
    return None


def compute_ratios(results: list[Result]) -> dict[str, dict[str, float | None]]:
    """Per game: kernel (B=RATIO_BATCH) / PettingZoo AEC and / OpenSpiel; our AEC / PettingZoo."""
    ratios: dict[str, dict[str, float | None]] = {}
    for game in dict.fromkeys(r.game for r in results):
        kernel = median_of(results, game, KERNEL, RATIO_BATCH)
        pettingzoo = median_of(results, game, PETTINGZOO_AEC)
        ratios[game] = {
            "kernel_vs_pettingzoo_aec": ratio(kernel, pettingzoo),
            "kernel_vs_openspiel": ratio(kernel, median_of(results, game, OPENSPIEL)),
            "boardzoo_aec_vs_pettingzoo_aec": ratio(median_of(results, game, BOARDZOO_AEC), pettingzoo),
        }
    return ratios


def target(description: str, game: str, value: float | None, threshold: float, missing: str) -> dict:
    return {
        "target": description,
        "game": game,
        "threshold": threshold,
        "ratio": value,
        "met": None if value is None else value >= threshold,
        "note": missing if value is None else "",
    }


def missing_reason(results: list[Result], game: str, baseline: str, ours: str = KERNEL) -> str:
    """Why a ratio of `ours` over `baseline` for `game` could not be computed."""
    if baseline == PETTINGZOO_AEC and game not in PETTINGZOO_ENVS:
        return "n/a: PettingZoo has no such game"
    for r in results:
        if r.game == game and r.implementation == baseline and r.unavailable:
            return f"not measured: {baseline} unavailable ({r.unavailable})"
    ours_name = f"{ours} B={RATIO_BATCH}" if ours == KERNEL else ours
    return f"not measured: no {ours_name} or {baseline} result"


def evaluate_targets(results: list[Result], ratios: dict[str, dict[str, float | None]]) -> list[dict]:
    """The issue's targets with the measured ratios; met is None where not measurable."""
    targets = []
    for game, r in ratios.items():
        if game in TARGET_KERNEL_VS_PETTINGZOO:
            threshold = TARGET_KERNEL_VS_PETTINGZOO[game]
            targets.append(
                target(
                    f"kernel B={RATIO_BATCH} >= {threshold:g}x PettingZoo AEC",
                    game,
                    r["kernel_vs_pettingzoo_aec"],
                    threshold,
                    missing_reason(results, game, PETTINGZOO_AEC),
                )
            )
        if game in TARGET_KERNEL_VS_OPENSPIEL:
            threshold = TARGET_KERNEL_VS_OPENSPIEL[game]
            targets.append(
                target(
                    f"kernel B={RATIO_BATCH} >= {threshold:g}x OpenSpiel",
                    game,
                    r["kernel_vs_openspiel"],
                    threshold,
                    missing_reason(results, game, OPENSPIEL),
                )
            )
    if TARGET_AEC_GAME not in ratios:
        return targets
    targets.append(
        target(
            f"boardzoo AEC >= {TARGET_AEC_VS_PETTINGZOO:g}x PettingZoo {PETTINGZOO_ENVS[TARGET_AEC_GAME][0]}",
            TARGET_AEC_GAME,
            ratios[TARGET_AEC_GAME]["boardzoo_aec_vs_pettingzoo_aec"],
            TARGET_AEC_VS_PETTINGZOO,
            missing_reason(results, TARGET_AEC_GAME, PETTINGZOO_AEC, BOARDZOO_AEC),
        )
    )
    return targets


# --- Markdown -----------------------------------------------------------------------------


def format_rate(result: Result) -> str:
    if result.median is None:
        return f"unavailable ({result.unavailable})"
    return f"{result.median:,.0f}"


def format_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


def throughput_table(results: list[Result]) -> str:
    lines = ["| game | implementation | B | steps/s (median) |", "|---|---|---:|---:|"]
    for r in results:
        name = implementation_name(r.implementation, r.game)
        lines.append(f"| {r.game} | {name} | {r.batch_size} | {format_rate(r)} |")
    return "\n".join(lines)


def ratio_table(ratios: dict[str, dict[str, float | None]]) -> str:
    lines = [
        f"| game | kernel B={RATIO_BATCH} / PettingZoo AEC | kernel B={RATIO_BATCH} / OpenSpiel "
        "| boardzoo AEC / PettingZoo AEC |",
        "|---|---:|---:|---:|",
    ]
    for game, r in ratios.items():
        cells = [format_ratio(r[key]) for key in r]
        lines.append(f"| {game} | {' | '.join(cells)} |")
    return "\n".join(lines)


def target_lines(targets: list[dict]) -> str:
    return "\n".join(f"- {t['target']}, {t['game']}: {verdict(t)}" for t in targets)


def verdict(t: dict) -> str:
    if t["met"] is None:
        return t["note"]
    return f"{t['ratio']:.1f}x — {'met' if t['met'] else 'NOT met'}"


def compile_table(compile_result: dict[str, Any]) -> str:
    cold, warm = compile_result["cold"], compile_result["warm"]
    lines = ["| game | first call | cold cache (s) | warm cache (s) |", "|---|---|---:|---:|"]
    lines.append(f"| - | import boardzoo.envs | {cold['import_s']:.3f} | {warm['import_s']:.3f} |")
    for game in compile_result["games"]:
        for phase, cold_s in cold["games"][game].items():
            lines.append(f"| {game} | {phase} | {cold_s:.3f} | {warm['games'][game][phase]:.3f} |")
    lines.append(f"| all | first calls, total | {cold['first_calls_s']:.3f} | {warm['first_calls_s']:.3f} |")
    return "\n".join(lines)


def markdown_report(
    config: ThroughputConfig,
    results: list[Result],
    ratios: dict[str, dict[str, float | None]],
    targets: list[dict],
    compile_result: dict[str, Any],
) -> str:
    mode = " (quick smoke run)" if config.quick else ""
    return "\n\n".join(
        [
            f"## Throughput{mode}",
            f"Random legal moves, sampling included, single thread; steps/s = moves applied per "
            f"second summed over the batch; median of {config.run_repeats} x {config.run_seconds:g} s "
            f"after a {min(WARMUP_SECONDS, config.run_seconds):g} s warm-up. Kernel and OpenSpiel "
            "loops build no observations; the AEC loops do (env.last()).",
            throughput_table(results),
            "## Ratios",
            ratio_table(ratios),
            "## Targets",
            target_lines(targets),
            "## Numba compile time",
            "First calls in a fresh interpreter, games in this order (functions shared between "
            "games are compiled by the first game that calls them); cold = empty NUMBA_CACHE_DIR, "
            f"warm = the same cache again ({compile_result['cold']['cache_files']} cache files written). "
            "The first numba call of a process also pays numba's one-time start-up, warm cache or not.",
            compile_table(compile_result),
        ]
    )


def result_record(r: Result) -> dict[str, Any]:
    record = asdict(r)
    record["repeats"] = list(r.repeats)
    return record


# --- main ---------------------------------------------------------------------------------


def run(config: ThroughputConfig) -> None:
    environment = environment_info()
    measurements = plan(config.batch_sizes, config.games)
    results: list[Result] = []
    with tqdm(total=len(measurements) + 2, desc=NAME, unit="measurement") as progress:
        compile_result = compile_times(progress)
        for m in measurements:
            progress.set_postfix_str(f"{m.game} / {m.implementation} / B={m.batch_size}")
            results.append(run_measurement(m, config.run_seconds, config.run_repeats))
            progress.update()
    ratios = compute_ratios(results)
    targets = evaluate_targets(results, ratios)
    markdown = markdown_report(config, results, ratios, targets, compile_result)
    payload = {
        "config": {**asdict(config), "run_seconds": config.run_seconds, "run_repeats": config.run_repeats},
        "unit": "steps/s",
        "warmup_seconds": min(WARMUP_SECONDS, config.run_seconds),
        "results": [result_record(r) for r in results],
        "ratios": ratios,
        "targets": targets,
        "compile": compile_result,
    }
    json_path, md_path = write_results(config.result_name, payload, markdown, out=config.out, environment=environment)
    print(markdown)
    print(f"\nwrote {json_path} and {md_path}")


def main() -> None:
    run(tyro.cli(ThroughputConfig))


if __name__ == "__main__":
    main()
