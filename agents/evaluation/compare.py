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
stopped (a method interrupted mid-training resumes from its own checkpoint).
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
from boardzoo.agents.ground_truth import KINDS, PositionSet, evaluate_player, standard_positions
from boardzoo.agents.models import load_checkpoint, read_config, save_checkpoint
from boardzoo.agents.players import (
    DEFAULT_SIMULATIONS,
    Player,
    ladder,
    load_player,
    parse_spec,
    player_from_spec,
    spec_name,
)
from boardzoo.agents.solvers import quick_solver_for
from boardzoo.agents.training.bc import BCConfig, train_bc
from boardzoo.agents.training.expert_data import ExpertDataset, generate_dataset
from boardzoo.agents.training.expert_iteration.evaluation import EvaluationConfig
from boardzoo.agents.training.expert_iteration.presets import PRESETS
from boardzoo.agents.training.expert_iteration.train import train
from boardzoo.agents.training.ppo import PPOConfig, train_ppo
from boardzoo.agents.training.run import Progress, set_threads
from boardzoo.agents.validation import check_ints, check_number, check_numbers
from boardzoo.envs import Game, make

METHODS = ("expert_iteration", "ppo", "bc", "bc_fixed_data")


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
    """Stage 1: train every method (skipping finished ones); returns timing notes."""
    _, preset = PRESETS[config.game]
    game = make(preset.game, **preset.game_params)
    folder = config.folder
    snapshots = _Snapshots(folder, "expert_iteration", config.fractions, game, config.budget)
    if snapshots.pending:
        train(
            dataclasses.replace(
                preset,
                out=str(folder / "expert_iteration"),
                minutes=config.budget,
                steps=None,
                seed=config.seed,
                evaluation=EvaluationConfig(interval=-1),
                threads=config.threads,
                progress_bar=config.progress_bar,
            ),
            callbacks=[snapshots],
        )
    ppo_snapshots = _Snapshots(folder, "ppo", config.fractions, game, config.budget)
    if ppo_snapshots.pending:
        train_ppo(
            PPOConfig(
                game=preset.game,
                game_params=preset.game_params,
                out=str(folder / "ppo"),
                minutes=config.budget,
                seed=config.seed,
                threads=config.threads,
                progress_bar=config.progress_bar,
            ),
            callbacks=[ppo_snapshots],
        )
    return {"bc": _train_bc(config, game, folder), "bc_fixed_data": _train_bc_fixed(config, game, folder)}


def _bc_config(config: CompareConfig, out: Path, minutes: float) -> BCConfig:
    _, preset = PRESETS[config.game]
    return BCConfig(
        out=str(out),
        network=preset.network,
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
    start = time.perf_counter()
    rng = np.random.default_rng(config.seed)
    expert = player_from_spec(game, config.bc_expert)
    chunks = []
    while time.perf_counter() - start < config.bc_data_fraction * budget_s:
        chunks.append(generate_dataset(game, expert, 16, rng, expert_name=config.bc_expert, batch_size=16))
    data = ExpertDataset.concatenate(chunks)
    data_seconds = time.perf_counter() - start
    # No network exists before training starts: fractions already passed get no snapshot.
    snapshots = _Snapshots(folder, "bc", config.fractions, game, config.budget, seconds_before=data_seconds)
    snapshots.pending = [f for f in snapshots.pending if f > data_seconds / budget_s]
    path = train_bc(_bc_config(config, folder / "bc", (budget_s - data_seconds) / 60), data, callbacks=[snapshots])
    final = load_checkpoint(path, game)
    snapshots.offer(1.0, final.network, final.step)
    notes = {
        "data_seconds": data_seconds,
        "positions": len(data),
        "games": data.metadata["games"],
        "train_seconds": time.perf_counter() - start - data_seconds,
    }
    write_atomically(notes_file, json.dumps(notes))
    return notes


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
    final = load_checkpoint(train_bc(_bc_config(config, folder / "bc_fixed_data", minutes), data), game)
    snapshot.offer(1.0, final.network, final.step)
    notes = {
        "dataset_games": config.fixed_dataset_games,
        "positions": len(data),
        "generation_seconds_not_charged": generation_seconds,
        "train_minutes": minutes,
    }
    write_atomically(notes_file, json.dumps(notes))
    return notes


def contestants(config: CompareConfig, game: Game) -> dict[str, Player]:
    """The ladder and every snapshot, by name ("ppo@0.5", "expert_iteration@1", "uct1000", ...)."""
    players = ladder(game, config.ladder)
    for path in sorted((config.folder / "snapshots").iterdir()):
        method = path.name.split("@")[0]
        if method == "expert_iteration":
            players[path.name] = load_player(path, game, simulations=config.simulations)
            if path.name.endswith("@1"):
                players["expert_iteration_network@1"] = load_player(path, game, simulations=0)
        else:
            players[path.name] = load_player(path, game, simulations=0)
    return players


def perfect_play_table(config: CompareConfig, game: Game, players: dict[str, Player]) -> dict[str, dict[str, Any]]:
    """Stage 2: each player's scores on the standard position sets ({} without a quick solver or
    with `perfect_play` off); players already in `accuracy.json` are not scored again."""
    solver = quick_solver_for(game) if config.perfect_play else None
    if solver is None:
        return {}
    path = config.folder / "accuracy.json"
    table: dict[str, dict[str, Any]] = json.loads(path.read_text()) if path.is_file() else {}
    sets: list[PositionSet] = [standard_positions(game, kind, solver=solver) for kind in KINDS]
    for name, player in players.items():
        if name in table:
            continue
        rng = np.random.default_rng([config.seed, len(name), *name.encode()])
        report = evaluate_player(player, sets, rng, name=name)
        overall = report.row("all")
        table[name] = {
            "accuracy": overall.accuracy,
            **{f"accuracy_{kind}": report.row(f"{kind} play").accuracy for kind in KINDS},
            "blunders": overall.blunders,
            "value_accuracy": overall.value_accuracy,
            "positions": overall.positions,
        }
        write_atomically(path, json.dumps(table, indent=2))
    return table


def round_robin(config: CompareConfig, game: Game, players: dict[str, Player]) -> Arena:
    """Stage 2: every pair plays `games_per_pair` games (pairs already in the log are skipped)."""
    arena = Arena(game, config.folder / "matches.jsonl")
    arena.round_robin(players, config.games_per_pair, np.random.default_rng(config.seed), config.progress_bar)
    return arena


def run_compare(config: CompareConfig) -> dict[str, Any]:
    """All stages; returns the report as a dict (also written to the output folder)."""
    _, preset = PRESETS[config.game]
    game = make(preset.game, **preset.game_params)
    folder = config.folder
    folder.mkdir(parents=True, exist_ok=True)
    set_threads(config.threads)
    started = time.perf_counter()
    notes = train_methods(config)
    training_seconds = time.perf_counter() - started
    players = contestants(config, game)
    accuracy = perfect_play_table(config, game, players)
    arena = round_robin(config, game, players)
    ratings = arena.ratings(bootstrap=config.bootstrap, seed=config.seed)
    curves = accuracy_curves(method_curves(ratings, config.budget), accuracy)
    records = arena.records()
    beat = minutes_to_beat(records, curves, "uct1000") if "uct1000" in map(spec_name, config.ladder) else {}
    plot(curves, ratings, folder / "elo.png", f"{game!r}: {config.budget:g} min per method")
    report = markdown_report(config, game, ratings, curves, beat, notes, accuracy)
    write_atomically(folder / "report.md", report)
    payload = {
        "config": dataclasses.asdict(config),
        "game": {"id": game.id, "params": dict(game.params)},
        "expert_iteration_config": preset.to_dict(),
        "ppo_config": PPOConfig(
            game=preset.game, game_params=preset.game_params, minutes=config.budget, seed=config.seed
        ).to_dict(),
        "snapshots": {p.name: read_config(p).get("step") for p in sorted((folder / "snapshots").iterdir())},
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
