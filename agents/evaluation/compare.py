"""`boardzoo compare <game> --budget MINUTES`: expert iteration vs PPO vs behavioural cloning
under the same wall-clock budget on this machine, rated together by Elo.

1. Train each method for `budget` minutes, one after another (so each has the whole machine),
   and snapshot it at `fractions` of the budget:
   - expert iteration: the game's `boardzoo train` preset; each snapshot plays with
     `simulations` of search, and the final one also without search;
   - PPO: `boardzoo.agents.training.ppo` self-play against its snapshot pool;
   - BC: the budget includes making its data. A `bc_data_fraction` of it generates expert
     games with the `bc_expert` player; the rest trains. No snapshot exists
     before training starts;
   - BC (fixed data): trained for the same training time on a fixed dataset of
     `fixed_dataset_games` expert games. That dataset is made once, cached, and its time is
     not charged; this shows what BC does with ample data.
2. Perfect play (games with a quick solver: tic-tac-toe, Connect Four, Hex up to 5 × 5): every
   snapshot and ladder player moves in each position of the game's standard sets (random and
   strong play, solver-labelled); its optimal-move accuracy, blunder rate and (networks) value
   accuracy are the comparison's objective measure, cached in `accuracy.json`.
3. Round robin: every snapshot and the fixed ladder (random, UCT with `ladder` rollouts) play
   `games_per_pair` games per pair, seats alternated, logged to `matches.jsonl`.
4. Elo by maximum likelihood over all games (random = 0), with bootstrap intervals.
   Written: `report.md`, `report.json` (every config, version and seed), and `elo.png` (Elo,
   and accuracy where measured, against training minutes per method, with 95% bands, ladder
   rungs as lines).

Every stage is skipped when its output exists, so an interrupted comparison resumes where it
stopped. Ctrl-C (or SIGTERM) during a method's training checkpoints that run and ends the
comparison (`Stopped`); run again, the method resumes from its checkpoint (BC on the expert games
it kept in `bc_dataset.npz`, with their time still charged). With `ray`, Ctrl-C ends the tasks
where they are: each method resumes from its last periodic checkpoint.

With `ray` set, the independent cells run as Ray tasks (`evaluation.distributed`): the four
methods train side by side, each on `threads` CPUs (at least 1), each player is scored in its own
task and every match of the round robin is a task. Scores and games are those of a local run on
the same snapshots (each uses its own seed); training itself is budgeted in minutes, so its
snapshots depend on the machine either way. The output folder must be on storage every node shares.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from boardzoo.agents.atomic import write_atomically
from boardzoo.agents.evaluation.arena import Arena
from boardzoo.agents.evaluation.compare_report import (
    accuracy_curves,
    earlier_invocations,
    markdown_report,
    method_curves,
    minutes_to_beat,
    plot,
)
from boardzoo.agents.evaluation.overrides import Override, apply_overrides, parse_override
from boardzoo.agents.ground_truth import KINDS, PositionSet, evaluate_player, standard_positions
from boardzoo.agents.models import load_checkpoint, load_training_state, read_config, save_checkpoint
from boardzoo.agents.players import (
    DEFAULT_SIMULATIONS,
    Player,
    parse_spec,
    player_from_spec,
    spec_name,
)
from boardzoo.agents.solvers import quick_solver_for
from boardzoo.agents.training.bc import BCConfig, train_bc
from boardzoo.agents.training.expert_data import ExpertDataset, generate_dataset
from boardzoo.agents.training.expert_iteration.evaluation import EvaluationConfig
from boardzoo.agents.training.expert_iteration.presets import PRESETS
from boardzoo.agents.training.expert_iteration.train import TrainConfig, train
from boardzoo.agents.training.ppo import PPOConfig, train_ppo
from boardzoo.agents.training.run import Progress, StopSignal, set_threads
from boardzoo.agents.validation import check_ints, check_number, check_numbers, check_ray_address
from boardzoo.envs import Game, make

METHODS = ("expert_iteration", "ppo", "bc", "bc_fixed_data")
OVERRIDABLE = ("expert_iteration", "ppo", "bc")
"""the methods whose own config `CompareConfig.overrides` can change ("bc" covers both BC runs)"""


@dataclass(frozen=True)
class CompareConfig:
    """Train expert iteration, PPO and BC with the same wall-clock budget and rate them by Elo."""

    game: str = "connect_four"
    """a game with a `boardzoo train` preset (its parameters come from the preset)"""
    budget: float = 3.0
    """training minutes per method"""
    fractions: tuple[float, ...] = (0.25, 0.5, 1.0)
    """snapshot points, as fractions of the budget"""
    out: str = ""
    """output folder (default: runs/compare/<game>)"""
    ladder: tuple[str, ...] = ("random", "uct:100", "uct:1000")
    """the fixed ladder's player specs"""
    perfect_play: bool = True
    """score every player against perfect play on the standard position sets (games with a quick solver)"""
    games_per_pair: int = 12
    """round-robin games per pair of players (seats alternated)"""
    simulations: int = DEFAULT_SIMULATIONS
    """simulations per move of the expert-iteration player (its final network also plays alone)"""
    bc_expert: str = "uct:1000"
    """player spec of the expert that makes BC's data"""
    bc_data_fraction: float = 0.5
    """share of BC's budget spent generating its data"""
    fixed_dataset_games: int = 300
    """games in the fixed (uncharged) BC dataset"""
    seed: int = 0
    threads: int = 0
    """torch threads for training and play (0 = every core)"""
    bootstrap: int = 200
    """bootstrap resamples for the Elo intervals"""
    progress_bar: bool = True
    overrides: tuple[str, ...] = ()
    """settings of one method's own config, METHOD:FIELD=VALUE, e.g. ppo:learning_rate=1e-3 or
    expert_iteration:learner.learning_rate=1e-3 (bc: both BC runs); the budget, seed and game stay
    the comparison's (`evaluation.overrides`)"""
    ray: str | None = None
    """run the methods, scorings and matches as Ray tasks: "local" (start Ray here), "auto" (join
    the running cluster) or a cluster ADDRESS; None = one after another in this process (needs
    the `ray` extra and the output folder on storage every node shares)"""

    def __post_init__(self) -> None:
        if self.game not in PRESETS:
            raise ValueError(f"game must be one of {sorted(PRESETS)}, got {self.game!r}")
        check_numbers(self, ("budget",), low=0, low_open=True)
        if not self.fractions:
            raise ValueError("fractions must name at least one point of the budget, got ()")
        for fraction in self.fractions:
            check_number("fractions", fraction, low=0, high=1, low_open=True)
        check_numbers(self, ("bc_data_fraction",), low=0, high=1, low_open=True, high_open=True)
        check_ints(self, ("games_per_pair", "simulations", "fixed_dataset_games"))
        check_ints(self, ("seed", "threads", "bootstrap"), minimum=0)
        for spec in self.ladder:
            parse_spec(spec, "ladder")
        parse_spec(self.bc_expert, "bc_expert")
        check_ray_address(self)
        if isinstance(self.overrides, str):
            raise ValueError(f"overrides must be a tuple of METHOD:FIELD=VALUE strings, got {self.overrides!r}")
        expert_iteration_config(self)  # a bad override fails now, naming itself
        ppo_config(self)
        _bc_config(self, Path("."), 1.0)

    def overrides_of(self, method: str) -> list[Override]:
        """The parsed overrides of one of `OVERRIDABLE`."""
        parsed = [parse_override(text, OVERRIDABLE) for text in self.overrides]
        return [override for override in parsed if override.method == method]

    @property
    def folder(self) -> Path:
        return Path(self.out or f"runs/compare/{self.game}")


class _Snapshots:
    """A training callback that saves the network when progress passes each fraction of the budget."""

    def __init__(
        self,
        folder: Path,
        method: str,
        fractions: tuple[float, ...],
        game: Game,
        budget: float,
        seconds_before: float = 0.0,
    ) -> None:
        self.folder, self.method, self.game, self.budget = folder, method, game, budget
        self.seconds_before = seconds_before  # charged to the budget before training started (BC's data)
        self.pending = sorted(f for f in fractions if not self.path(f).exists())

    def path(self, fraction: float) -> Path:
        return self.folder / "snapshots" / f"{self.method}@{fraction:g}"

    def __call__(self, progress: Progress) -> None:
        used = (
            progress.fraction
            if not self.seconds_before
            else ((self.seconds_before + progress.seconds) / (60 * self.budget))
        )
        self.offer(used, progress.network, progress.step)

    def offer(self, used: float, network: Any, step: int) -> None:
        while self.pending and used >= self.pending[0] - 1e-9:
            fraction = self.pending.pop(0)
            save_checkpoint(
                self.path(fraction),
                self.game,
                network,
                step=step,
                extra={"agent": self.method, "budget_fraction": fraction, "training_minutes": fraction * self.budget},
            )


def train_methods(config: CompareConfig) -> dict[str, Any]:
    """Stage 1: train every method (skipping finished ones; side by side as Ray tasks with
    `ray`); returns BC's timing notes."""
    if config.ray is None:
        notes = [train_method(config, method) for method in METHODS]
    else:
        from boardzoo.agents.evaluation.distributed import map_on_ray

        # Absolute paths: a task's working directory need not be this process's.
        remote = dataclasses.replace(
            config, out=str(config.folder.resolve()), threads=max(config.threads, 1), progress_bar=False
        )
        calls = [(remote, method) for method in METHODS]
        notes = list(
            map_on_ray(train_method, calls, cpus=remote.threads, desc="training", progress=config.progress_bar)
        )
    by_method = dict(zip(METHODS, notes, strict=True))
    return {"bc": by_method["bc"], "bc_fixed_data": by_method["bc_fixed_data"]}


def train_method(config: CompareConfig, method: str) -> dict[str, Any] | None:
    """Train one of `METHODS` (nothing if it is finished); BC's timing notes, None for the others."""
    set_threads(config.threads)
    _, preset = PRESETS[config.game]
    game = make(preset.game, **preset.game_params)
    folder = config.folder
    if method == "bc":
        return _train_bc(config, game, folder)
    if method == "bc_fixed_data":
        return _train_bc_fixed(config, game, folder)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    snapshots = _Snapshots(folder, method, config.fractions, game, config.budget)
    if not snapshots.pending:
        return None
    with StopSignal() as stop:  # a stop checkpoints the run and ends the comparison
        if method == "expert_iteration":
            train(expert_iteration_config(config), callbacks=[snapshots])
        else:
            train_ppo(ppo_config(config), callbacks=[snapshots])
    stop.raise_if_requested(f"{method} training")
    return None


def expert_iteration_config(config: CompareConfig) -> TrainConfig:
    """Expert iteration's training config: the game's preset with its overrides, for the budget."""
    _, preset = PRESETS[config.game]
    return dataclasses.replace(
        apply_overrides(preset, config.overrides_of("expert_iteration")),
        out=str(config.folder / "expert_iteration"),
        minutes=config.budget,
        steps=None,
        seed=config.seed,
        evaluation=EvaluationConfig(interval=-1),
        threads=config.threads,
        progress_bar=config.progress_bar,
    )


def ppo_config(config: CompareConfig) -> PPOConfig:
    """PPO's training config: its defaults with its overrides, for the budget."""
    _, preset = PRESETS[config.game]
    return dataclasses.replace(
        apply_overrides(PPOConfig(game=preset.game, game_params=preset.game_params), config.overrides_of("ppo")),
        out=str(config.folder / "ppo"),
        minutes=config.budget,
        seed=config.seed,
        threads=config.threads,
        progress_bar=config.progress_bar,
    )


def _bc_config(config: CompareConfig, out: Path, minutes: float) -> BCConfig:
    _, preset = PRESETS[config.game]
    return dataclasses.replace(
        apply_overrides(BCConfig(network=preset.network), config.overrides_of("bc")),
        out=str(out),
        steps=None,
        minutes=minutes,
        seed=config.seed,
        threads=config.threads,
        progress_bar=config.progress_bar,
    )


def _train_bc(config: CompareConfig, game: Game, folder: Path) -> dict[str, Any]:
    notes_file = folder / "bc_notes.json"  # written last: BC is done when it exists
    if notes_file.is_file():
        return json.loads(notes_file.read_text())
    budget_s = 60 * config.budget
    dataset_path = folder / "bc_dataset.npz"  # kept, so a stopped BC resumes on the same data
    if dataset_path.is_file():
        data = ExpertDataset.load(dataset_path)
        data_seconds = float(data.metadata["data_seconds"])
    else:
        data, data_seconds = _make_bc_data(config, game, budget_s)
        data = dataclasses.replace(data, metadata={**data.metadata, "data_seconds": data_seconds})
        data.save(dataset_path)
    # No network exists before training starts: fractions already passed get no snapshot.
    snapshots = _Snapshots(folder, "bc", config.fractions, game, config.budget, seconds_before=data_seconds)
    snapshots.pending = [f for f in snapshots.pending if f > data_seconds / budget_s]
    with StopSignal() as stop:  # a stopped BC must not take its final snapshot or be marked done
        path = train_bc(_bc_config(config, folder / "bc", (budget_s - data_seconds) / 60), data, callbacks=[snapshots])
    stop.raise_if_requested("BC training")
    final = load_checkpoint(path, game)
    snapshots.offer(1.0, final.network, final.step)
    notes = {
        "data_seconds": data_seconds,
        "positions": len(data),
        "games": data.metadata["games"],
        "train_seconds": float(load_training_state(path)["seconds"]),
    }
    write_atomically(notes_file, json.dumps(notes))
    return notes


def _make_bc_data(config: CompareConfig, game: Game, budget_s: float) -> tuple[ExpertDataset, float]:
    # BC's expert games for its data share of the budget; (the data, the seconds it took).
    rng = np.random.default_rng(config.seed)
    expert = player_from_spec(game, config.bc_expert)
    # One warm-up game off the clock: compiling the expert's kernels is a one-off cost of the
    # machine, not of BC (the other methods' first steps are not charged for it either).
    generate_dataset(game, expert, 1, np.random.default_rng(config.seed + 2), batch_size=1)
    start = time.perf_counter()
    data_share_s = config.bc_data_fraction * budget_s
    chunks: list[ExpertDataset] = []
    chunk_s = 0.0
    # Start a chunk only if one more like the last still fits in the data share (the first
    # always starts: BC needs some data).
    while not chunks or time.perf_counter() - start + chunk_s <= data_share_s:
        chunk_start = time.perf_counter()
        chunks.append(generate_dataset(game, expert, 16, rng, expert_name=config.bc_expert, batch_size=16))
        chunk_s = time.perf_counter() - chunk_start
    data = ExpertDataset.concatenate(chunks)
    data_seconds = time.perf_counter() - start
    if data_seconds >= budget_s:
        raise ValueError(
            f"BC spent {data_seconds:.1f} s of its {budget_s:.1f}-s budget making {data.metadata['games']} "
            f"expert games with {config.bc_expert!r}, leaving no time to train: raise the budget or use a "
            "faster bc_expert"
        )
    return data, data_seconds


def _train_bc_fixed(config: CompareConfig, game: Game, folder: Path) -> dict[str, Any]:
    snapshot = _Snapshots(folder, "bc_fixed_data", (1.0,), game, config.budget)
    dataset_path = folder / "fixed_dataset.npz"
    notes_file = folder / "bc_fixed_notes.json"  # written last: done when it exists
    if notes_file.is_file():
        return json.loads(notes_file.read_text())
    if dataset_path.is_file():
        data = ExpertDataset.load(dataset_path)
        generation_seconds = data.metadata.get("generation_seconds")
    else:
        start = time.perf_counter()
        rng = np.random.default_rng(config.seed + 1)
        data = generate_dataset(
            game,
            player_from_spec(game, config.bc_expert),
            config.fixed_dataset_games,
            rng,
            expert_name=config.bc_expert,
            batch_size=64,
            progress=config.progress_bar,
        )
        generation_seconds = time.perf_counter() - start
        data = dataclasses.replace(data, metadata={**data.metadata, "generation_seconds": generation_seconds})
        data.save(dataset_path)
    minutes = config.budget * (1 - config.bc_data_fraction)
    with StopSignal() as stop:
        path = train_bc(_bc_config(config, folder / "bc_fixed_data", minutes), data)
    stop.raise_if_requested("BC (fixed data) training")
    final = load_checkpoint(path, game)
    snapshot.offer(1.0, final.network, final.step)
    notes = {
        "dataset_games": config.fixed_dataset_games,
        "positions": len(data),
        "generation_seconds_not_charged": generation_seconds,
        "train_minutes": minutes,
    }
    write_atomically(notes_file, json.dumps(notes))
    return notes


def contestant_specs(config: CompareConfig) -> dict[str, str]:
    """Every player's spec by name ("ppo@0.5", "expert_iteration@1", "uct1000", ...): the ladder,
    each snapshot (expert iteration with search, the others alone) and the final expert-iteration
    network alone."""
    specs = {spec_name(spec): spec for spec in config.ladder}
    for path in sorted((config.folder.resolve() / "snapshots").iterdir()):  # absolute: specs go to Ray tasks
        if path.name.split("@")[0] == "expert_iteration":
            specs[path.name] = f"search:{path}:{config.simulations}"
            if path.name.endswith("@1"):
                specs["expert_iteration_network@1"] = f"network:{path}"
        else:
            specs[path.name] = f"network:{path}"
    return specs


def contestants(config: CompareConfig, game: Game) -> dict[str, Player]:
    """The players of `contestant_specs`, by name."""
    return {name: player_from_spec(game, spec) for name, spec in contestant_specs(config).items()}


def perfect_play_table(config: CompareConfig, game: Game) -> dict[str, dict[str, Any]]:
    """Stage 2: each player's scores on the standard position sets ({} without a quick solver or
    with `perfect_play` off); players already in `accuracy.json` are not scored again."""
    solver = quick_solver_for(game) if config.perfect_play else None
    if solver is None:
        return {}
    path = config.folder / "accuracy.json"
    table: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.is_file() else {}
    sets: list[PositionSet] = [standard_positions(game, kind, solver=solver) for kind in KINDS]
    missing = {name: spec for name, spec in contestant_specs(config).items() if name not in table}
    threads = max(config.threads, 1) if config.ray is not None else config.threads
    calls = [(game.id, dict(game.params), spec, sets, name, config.seed, threads) for name, spec in missing.items()]
    if config.ray is None:
        scores = (score_spec(*call) for call in calls)
    else:
        from boardzoo.agents.evaluation.distributed import map_on_ray

        scores = map_on_ray(score_spec, calls, cpus=threads, desc="perfect play", progress=config.progress_bar)
    for name, score in zip(missing, scores, strict=True):
        table[name] = score
        write_atomically(path, json.dumps(table, indent=2))
    return table


def score_spec(
    game_id: str, game_params: dict[str, int], spec: str, sets: list[PositionSet], name: str, seed: int, threads: int
) -> dict[str, Any]:
    """One player's perfect-play scores (overall and per set), its rng seeded by its name, with
    `threads` torch threads (0 = every core)."""
    set_threads(threads)
    game = make(game_id, **game_params)
    rng = np.random.default_rng([seed, len(name), *name.encode()])
    report = evaluate_player(player_from_spec(game, spec), sets, rng, name=name)
    overall = report.row("all")
    return {
        "accuracy": overall.accuracy,
        **{f"accuracy_{kind}": report.row(f"{kind} play").accuracy for kind in KINDS},
        "blunders": overall.blunders,
        "value_accuracy": overall.value_accuracy,
        "positions": overall.positions,
    }


def round_robin(config: CompareConfig, game: Game) -> Arena:
    """Stage 3: every pair plays `games_per_pair` games (pairs already in the log are skipped)."""
    arena = Arena(game, config.folder / "matches.jsonl")
    rng = np.random.default_rng(config.seed)
    if config.ray is None:
        arena.round_robin(contestants(config, game), config.games_per_pair, rng, config.progress_bar)
    else:
        from boardzoo.agents.evaluation.distributed import round_robin_on_ray

        specs = contestant_specs(config)
        round_robin_on_ray(arena, specs, config.games_per_pair, rng, address=config.ray, progress=config.progress_bar)
    return arena


FREE_TO_CHANGE = ("out", "threads", "progress_bar", "ray", "bootstrap", "ladder", "games_per_pair", "perfect_play")
"""settings a comparison may resume with changed: where and how it runs, and what adds players,
games or scores (a rung dropped from the ladder or a smaller games_per_pair keeps what was played);
every other setting shapes what its finished stages hold"""


def claim_folder(config: CompareConfig) -> None:
    """Record in `compare.json` the settings that shape the folder's results, or refuse (naming
    them) to resume a folder that holds a comparison with other ones: its finished stages are
    skipped, so they would be reported under settings they were not made with. A folder from
    before `compare.json` is checked against the config its `report.json` holds; a setting
    added since a folder was recorded counts as its default there."""
    mine = _shaping_settings(dataclasses.asdict(config))
    recorded = _recorded_settings(config.folder)
    if recorded is not None:
        defaults = _shaping_settings({field.name: field.default for field in dataclasses.fields(CompareConfig)})
        recorded = {**defaults, **recorded}
        differing = sorted(k for k in mine if _setting(mine, k) != _setting(recorded, k))
        if differing:
            raise ValueError(
                f"{config.folder} holds a comparison with other settings ("
                + "; ".join(f"{k}: {recorded.get(k)!r} there, {mine.get(k)!r} now" for k in differing)
                + f"); only {', '.join(FREE_TO_CHANGE)} may change: resume it with its settings, or start afresh "
                "in another folder"
            )
    if not (config.folder / "compare.json").is_file():
        write_atomically(config.folder / "compare.json", json.dumps(mine, indent=2))


def _shaping_settings(settings: dict[str, Any]) -> dict[str, Any]:
    # The settings that shape a comparison's results, as JSON values (tuples as lists).
    return {k: v for k, v in json.loads(json.dumps(settings, default=str)).items() if k not in FREE_TO_CHANGE}


def _setting(settings: dict[str, Any], key: str) -> Any:
    # One recorded setting as claim_folder compares it: overrides as a set (their order is free).
    value = settings.get(key)
    return sorted(value) if key == "overrides" and isinstance(value, list) else value


def _recorded_settings(folder: Path) -> dict[str, Any] | None:
    # What a folder's comparison was run with: its compare.json, else (a folder from before
    # compare.json) the config in its report.json, else None (a fresh folder).
    if (folder / "compare.json").is_file():
        return json.loads((folder / "compare.json").read_text())
    if (folder / "report.json").is_file():
        return _shaping_settings(json.loads((folder / "report.json").read_text())["config"])
    return None


def run_compare(config: CompareConfig) -> dict[str, Any]:
    """All stages; returns the report as a dict (also written to the output folder)."""
    _, preset = PRESETS[config.game]
    game = make(preset.game, **preset.game_params)
    folder = config.folder
    folder.mkdir(parents=True, exist_ok=True)
    claim_folder(config)
    set_threads(config.threads)
    started = time.perf_counter()
    connected = False
    if config.ray is not None:
        from boardzoo.agents.training.distributed import connect

        connected = connect(config.ray)
    try:
        notes = train_methods(config)
        training_seconds = time.perf_counter() - started
        accuracy = perfect_play_table(config, game)
        arena = round_robin(config, game)
    finally:
        if connected:
            from boardzoo.agents.training.distributed import require_ray

            require_ray().shutdown()
    ratings = arena.ratings(bootstrap=config.bootstrap, seed=config.seed)
    curves = accuracy_curves(method_curves(ratings, config.budget), accuracy)
    records = arena.records()
    beat = minutes_to_beat(records, curves, "uct1000") if "uct1000" in map(spec_name, config.ladder) else {}
    plot(curves, ratings, folder / "elo.png", f"{game!r}: {config.budget:g} min per method")
    snapshot_steps = {p.name: read_config(p).get("step") for p in sorted((folder / "snapshots").iterdir())}
    report = markdown_report(config, game, ratings, curves, beat, notes, accuracy, snapshot_steps)
    write_atomically(folder / "report.md", report)
    payload = {
        "config": dataclasses.asdict(config),
        "game": {"id": game.id, "params": dict(game.params)},
        "expert_iteration_config": expert_iteration_config(config).to_dict(),
        "ppo_config": ppo_config(config).to_dict(),
        "snapshots": snapshot_steps,
        "ratings": ratings.as_dict(),
        "perfect_play": accuracy,
        "curves": curves,
        "minutes_to_beat_uct1000_75pct": beat,
        "notes": notes,
        "games_played": len(records),
        "seconds": {"this_invocation": time.perf_counter() - started, "training_stage": training_seconds},
        "earlier_invocations": earlier_invocations(folder),
    }
    write_atomically(folder / "report.json", json.dumps(payload, indent=2, default=str))
    print(report)
    return payload
