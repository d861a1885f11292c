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
5. Numba compile time (`_numba_compile.py`): fresh subprocesses time `import boardzoo.envs`
   and the first `init(1)`, `sample_legal_actions`, `step` and `observe` of each game, once
   with an empty `NUMBA_CACHE_DIR` (cold) and once more with the same, now filled, cache (warm).

Every throughput measurement is warmed up first (so JIT compilation is excluded), then runs
for a fixed wall time `seconds`, `repeats` times; the median is reported. The results are
printed as Markdown (with the ratios and the issue's targets) and saved, stamped with
versions, machine and git commit, to `<out>/throughput.json` and `<out>/throughput.md`
(`throughput_quick.*` for `--quick` runs and `throughput_partial*` for runs restricted to
some games, so they never overwrite a full run).

Run from the repository root:

    .venv/bin/python benchmarks/throughput.py            # full run (about 2 minutes)
    .venv/bin/python benchmarks/throughput.py --quick    # smoke run: 0.2 s, 1 repeat
    .venv/bin/python benchmarks/throughput.py --help     # all options
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import (
    Measurement,
    Result,
    TimedConfig,
    check_choices,
    check_positive,
    format_rate,
    format_ratio,
    progress_bar,
    publish,
    ratio,
    result_name,
    run_measurements,
    setup_process,
    table,
    target,
    target_lines,
)

setup_process()  # single thread, malloc tuning

from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import tyro
from _numba_compile import compile_notes, compile_table, compile_times
from _throughput_runners import (
    BOARDZOO_AEC_GAMES,
    GAMES,
    OPENSPIEL_GAMES,
    PETTINGZOO_ENVS,
    boardzoo_aec,
    boardzoo_kernel,
    openspiel,
    pettingzoo_aec,
)

NAME = "throughput"
WARMUP_SECONDS = 0.2  # untimed play before each measurement (JIT compile, caches)
RATIO_BATCH = 1024  # the kernel batch size the ratios and targets use

KERNEL = "boardzoo kernel"
BOARDZOO_AEC = "boardzoo AEC"
PETTINGZOO_AEC = "PettingZoo AEC"
OPENSPIEL = "OpenSpiel"

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

COMPILE_GAMES = ("tic_tac_toe", "connect_four", "hex_11", "othello", "gomoku_15", "breakthrough", "go_9")


@dataclass(frozen=True)
class ThroughputConfig(TimedConfig):
    """Random-legal-move throughput of boardzoo vs PettingZoo and OpenSpiel (single thread)."""

    batch_sizes: tuple[int, ...] = (1, 64, 1024, 4096)
    """Batch sizes of the boardzoo kernel measurements."""
    games: tuple[str, ...] = ()
    """Game labels to measure (default: all of GAMES); the compile probe then times these instead of
    COMPILE_GAMES."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choices("game label(s)", self.games, GAMES)
        check_positive("batch_sizes", self.batch_sizes)

    @property
    def result_name(self) -> str:
        """Smoke and partial runs get their own files, so they never overwrite a full run."""
        return result_name(NAME, quick=self.quick, partial=bool(self.games))


@dataclass(frozen=True)
class Case:
    """What one throughput measurement times."""

    game: str
    implementation: str
    batch_size: int

    def __str__(self) -> str:
        return f"{self.game} / {self.implementation} / B={self.batch_size}"


# --- measurement plan ---------------------------------------------------------------------


def implementation_name(implementation: str, game: str) -> str:
    if implementation == PETTINGZOO_AEC:
        return f"{PETTINGZOO_AEC} ({PETTINGZOO_ENVS[game][0]})"
    return implementation


def plan(batch_sizes: tuple[int, ...], games: tuple[str, ...] = ()) -> list[Measurement[Case]]:
    """All throughput measurements of `games` (default all), grouped by game."""
    measurements: list[Measurement[Case]] = []
    for label in games or tuple(GAMES):
        for batch in batch_sizes:
            measurements.append(Measurement(Case(label, KERNEL, batch), partial(boardzoo_kernel, label, batch)))
        for implementation, labels, build in (
            (BOARDZOO_AEC, BOARDZOO_AEC_GAMES, boardzoo_aec),
            (PETTINGZOO_AEC, PETTINGZOO_ENVS, pettingzoo_aec),
            (OPENSPIEL, OPENSPIEL_GAMES, openspiel),
        ):
            if label in labels:
                measurements.append(Measurement(Case(label, implementation, 1), partial(build, label)))
    return measurements


# --- ratios and targets -------------------------------------------------------------------


def median_of(results: list[Result[Case]], game: str, implementation: str, batch_size: int = 1) -> float | None:
    for r in results:
        if (r.case.game, r.case.implementation, r.case.batch_size) == (game, implementation, batch_size):
            return r.median
    return None


def compute_ratios(results: list[Result[Case]]) -> dict[str, dict[str, float | None]]:
    """Per game: kernel (B=RATIO_BATCH) / PettingZoo AEC and / OpenSpiel; our AEC / PettingZoo."""
    ratios: dict[str, dict[str, float | None]] = {}
    for game in dict.fromkeys(r.case.game for r in results):
        kernel = median_of(results, game, KERNEL, RATIO_BATCH)
        pettingzoo = median_of(results, game, PETTINGZOO_AEC)
        ratios[game] = {
            "kernel_vs_pettingzoo_aec": ratio(kernel, pettingzoo),
            "kernel_vs_openspiel": ratio(kernel, median_of(results, game, OPENSPIEL)),
            "boardzoo_aec_vs_pettingzoo_aec": ratio(median_of(results, game, BOARDZOO_AEC), pettingzoo),
        }
    return ratios


def missing_reason(results: list[Result[Case]], game: str, baseline: str, ours: str = KERNEL) -> str:
    """Why a ratio of `ours` over `baseline` for `game` could not be computed."""
    if baseline == PETTINGZOO_AEC and game not in PETTINGZOO_ENVS:
        return "n/a: PettingZoo has no such game"
    for r in results:
        if r.case.game == game and r.case.implementation == baseline and r.unavailable:
            return f"not measured: {baseline} unavailable ({r.unavailable})"
    ours_name = f"{ours} B={RATIO_BATCH}" if ours == KERNEL else ours
    return f"not measured: no {ours_name} or {baseline} result"


def evaluate_targets(results: list[Result[Case]], ratios: dict[str, dict[str, float | None]]) -> list[dict]:
    """The issues' targets with the measured ratios; met is None where not measurable."""
    targets = []
    for game, r in ratios.items():
        for thresholds, key, baseline, peer in (
            (TARGET_KERNEL_VS_PETTINGZOO, "kernel_vs_pettingzoo_aec", PETTINGZOO_AEC, "PettingZoo AEC"),
            (TARGET_KERNEL_VS_OPENSPIEL, "kernel_vs_openspiel", OPENSPIEL, OPENSPIEL),
        ):
            if game in thresholds:
                description = f"kernel B={RATIO_BATCH} >= {thresholds[game]:g}x {peer}"
                missing = missing_reason(results, game, baseline)
                targets.append(target(description, game, r[key], thresholds[game], missing=missing))
    if TARGET_AEC_GAME in ratios:
        description = f"boardzoo AEC >= {TARGET_AEC_VS_PETTINGZOO:g}x PettingZoo {PETTINGZOO_ENVS[TARGET_AEC_GAME][0]}"
        value = ratios[TARGET_AEC_GAME]["boardzoo_aec_vs_pettingzoo_aec"]
        missing = missing_reason(results, TARGET_AEC_GAME, PETTINGZOO_AEC, BOARDZOO_AEC)
        targets.append(target(description, TARGET_AEC_GAME, value, TARGET_AEC_VS_PETTINGZOO, missing=missing))
    return targets


# --- Markdown and main ----------------------------------------------------------------------


def markdown_report(
    config: ThroughputConfig,
    results: list[Result[Case]],
    ratios: dict[str, dict[str, float | None]],
    targets: list[dict],
    compile_result: dict[str, Any],
) -> str:
    mode = " (quick smoke run)" if config.quick else ""
    rates = []
    for r in results:
        name = implementation_name(r.case.implementation, r.case.game)
        rates.append([r.case.game, name, r.case.batch_size, format_rate(r.median, r.unavailable)])
    ratio_columns = [
        "game",
        f"kernel B={RATIO_BATCH} / PettingZoo AEC",
        f"kernel B={RATIO_BATCH} / OpenSpiel",
        "boardzoo AEC / PettingZoo AEC",
    ]
    ratio_rows = [[game, *(format_ratio(value, 1) for value in r.values())] for game, r in ratios.items()]
    return "\n\n".join(
        [
            f"## Throughput{mode}",
            f"Random legal moves, sampling included, single thread; steps/s = moves applied per "
            f"second summed over the batch; median of {config.run_repeats} x {config.run_seconds:g} s "
            f"after a {min(WARMUP_SECONDS, config.run_seconds):g} s warm-up. Kernel and OpenSpiel "
            "loops build no observations; the AEC loops do (env.last()).",
            table(["game", "implementation", "B", "steps/s (median)"], rates, left=2),
            "## Ratios",
            table(ratio_columns, ratio_rows),
            "## Targets",
            target_lines(targets),
            "## Numba compile time",
            compile_notes(compile_result),
            compile_table(compile_result),
        ]
    )


def run(config: ThroughputConfig) -> None:
    measurements = plan(config.batch_sizes, config.games)
    warmup = min(WARMUP_SECONDS, config.run_seconds)
    timing = {"seconds": config.run_seconds, "repeats": config.run_repeats, "warmup_seconds": warmup}
    with progress_bar(NAME, len(measurements) + 2) as progress:
        compile_result = compile_times({label: GAMES[label] for label in config.games or COMPILE_GAMES}, progress)
        results = run_measurements(measurements, **timing, progress=progress)
    ratios = compute_ratios(results)
    targets = evaluate_targets(results, ratios)
    payload = {
        "config": {**asdict(config), "run_seconds": config.run_seconds, "run_repeats": config.run_repeats},
        "unit": "steps/s",
        "warmup_seconds": warmup,
        "results": [r.record() for r in results],
        "ratios": ratios,
        "targets": targets,
        "compile": compile_result,
    }
    markdown = markdown_report(config, results, ratios, targets, compile_result)
    publish(config.result_name, payload, markdown, out=config.out)


def main() -> None:
    run(tyro.cli(ThroughputConfig))


if __name__ == "__main__":
    main()
