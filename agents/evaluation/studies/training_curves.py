"""Studies of training settings, read as accuracy against perfect play over training time:

- `value_target`: value target z (game result), q (search value), the mixes (1 − r)·z + r·q for
  r ∈ {0.25, 0.5, 0.75}, and a schedule from z to q (`LearnerConfig.q_ratio` → `q_ratio_final`),
  with the same step budget (the settings cost the same per step);
- `gumbel_vs_puct`: Gumbel and PUCT self-play with 2, 4, 8, 16 and 64 simulations per move, with
  the same wall-clock budget;
- `playout_cap`: playout cap randomization (a full search on a quarter of the moves, cheap
  searches on the rest) on and off, with the same wall-clock budget.

Each variant trains `seeds` runs (one cell each) that save snapshots at fractions of the budget,
recording their training seconds; a second cell per run scores every snapshot on the board's
standard position sets: the network alone (optimal-move accuracy, value accuracy: the class of
its value equals the solver's) and with `search_simulations` of PUCT (accuracy). Curves are
means over seeds against mean training seconds, with 95% bootstrap intervals over seeds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from boardzoo.agents.evaluation.studies.common import (
    bootstrap_mean,
    parse_board,
    position_sets,
    pyplot,
    resnet,
    train_with_snapshots,
)
from boardzoo.agents.evaluation.studies.runner import Cell, CellContext
from boardzoo.agents.ground_truth import evaluate_player
from boardzoo.agents.models import load_checkpoint
from boardzoo.agents.players import network_player
from boardzoo.agents.training.expert_iteration import EvaluationConfig, LearnerConfig, SelfPlayConfig, TrainConfig

CURVE_STUDIES = ("value_target", "gumbel_vs_puct", "playout_cap")
METRICS = {
    "network_accuracy": "network alone: optimal-move accuracy",
    "search_accuracy": "search: optimal-move accuracy",
    "network_value_accuracy": "network value accuracy (win/draw/loss class)",
}
LEARNER_FIELDS = ("q_ratio", "q_ratio_final")
"""variant settings that belong to the learner; the others are self-play's"""


@dataclass(frozen=True)
class CurveSettings:
    """One training-curve study: variants of the self-play and learner settings."""

    study: str = "value_target"
    board: str = "connect_four:4x5"
    """a solved board: hex:N or connect_four:RxC (rows × columns)"""
    variants: tuple[tuple[str, dict[str, Any]], ...] = ()
    """(name, settings) pairs; settings name SelfPlayConfig fields or q_ratio / q_ratio_final"""
    steps: int | None = None
    """learner steps per run (a step budget)"""
    minutes: float | None = None
    """minutes per run (a wall-clock budget)"""
    fractions: tuple[float, ...] = (0.125, 0.25, 0.5, 1.0)
    """snapshots, as fractions of the budget"""
    seeds: int = 3
    size: str = "2x32"
    """ResNet BLOCKSxCHANNELS"""
    selfplay: dict[str, Any] = field(
        default_factory=lambda: {
            "batch_size": 64,
            "simulations": 16,
            "cheap_simulations": 16,
            "full_search_fraction": 1.0,
        }
    )
    """self-play settings every variant starts from"""
    learner_batch: int = 128
    min_positions: int = 1000
    positions: int | None = None
    """positions per standard set (None = the standard size)"""
    search_simulations: int = 16
    """PUCT simulations of the search scores"""

    def __post_init__(self) -> None:
        if self.study not in CURVE_STUDIES:
            raise ValueError(f"unknown training-curve study {self.study!r}")
        parse_board(self.board)
        resnet(self.size)
        if (self.steps is None) == (self.minutes is None):
            raise ValueError("give exactly one budget: steps or minutes")
        if not self.variants or self.seeds < 1:
            raise ValueError("a study needs variants and seeds >= 1")
        for _, settings in self.variants:
            self.train_config(settings, seed=0)  # a bad setting fails now

    @classmethod
    def preset(cls, study: str, *, quick: bool = False, seeds: int | None = None) -> CurveSettings:
        """The study's full form, or its quick form (Hex 3×3, seconds per run)."""
        variants = _VARIANTS[study](quick)
        wall_clock = study != "value_target"
        if quick:
            settings = cls(
                study=study,
                board="hex:3",
                variants=variants,
                steps=None if wall_clock else 8,
                minutes=0.01 if wall_clock else None,
                fractions=(0.5, 1.0),
                seeds=1,
                size="1x8",
                selfplay={"batch_size": 8, "simulations": 4, "cheap_simulations": 4, "full_search_fraction": 1.0},
                learner_batch=16,
                min_positions=32,
                positions=20,
                search_simulations=4,
            )
        else:
            settings = cls(
                study=study,
                variants=variants,
                steps=None if wall_clock else 1500,
                minutes=3.0 if wall_clock else None,
            )
        return settings if seeds is None else dataclasses.replace(settings, seeds=seeds)

    def train_config(self, variant: dict[str, Any], *, seed: int, threads: int = 0) -> TrainConfig:
        game = parse_board(self.board)
        learner = {k: v for k, v in variant.items() if k in LEARNER_FIELDS}
        selfplay = {**self.selfplay, **{k: v for k, v in variant.items() if k not in LEARNER_FIELDS}}
        selfplay.setdefault("max_considered_actions", min(16, game.num_actions))
        return TrainConfig(
            game=game.id,
            game_params=dict(game.params),
            minutes=self.minutes,
            steps=self.steps,
            seed=seed,
            threads=threads,
            progress_bar=False,
            network=resnet(self.size),
            selfplay=SelfPlayConfig(**selfplay),
            learner=LearnerConfig(batch_size=self.learner_batch, warmup_steps=50, **learner),
            evaluation=EvaluationConfig(interval=-1),
            min_positions=self.min_positions,
            checkpoint_interval=250,
            keep_checkpoints=1,
            tensorboard=False,
        )


def _value_targets(quick: bool) -> tuple[tuple[str, dict[str, Any]], ...]:
    mixes = tuple((f"r={r:g}", {"q_ratio": r}) for r in (0.25, 0.5, 0.75))
    return (("z", {"q_ratio": 0.0}), *mixes, ("q", {"q_ratio": 1.0}), ("z→q", {"q_ratio": 0.0, "q_ratio_final": 1.0}))


def _gumbel_vs_puct(quick: bool) -> tuple[tuple[str, dict[str, Any]], ...]:
    counts = (2, 8) if quick else (2, 4, 8, 16, 64)
    return tuple(
        (f"{algorithm}-{n}", {"algorithm": algorithm, "simulations": n, "cheap_simulations": n})
        for algorithm in ("gumbel", "puct")
        for n in counts
    )


def _playout_cap(quick: bool) -> tuple[tuple[str, dict[str, Any]], ...]:
    full, cheap = (4, 2) if quick else (32, 8)
    return (
        ("cap on (25% full)", {"simulations": full, "cheap_simulations": cheap, "full_search_fraction": 0.25}),
        ("cap off", {"simulations": full, "cheap_simulations": full, "full_search_fraction": 1.0}),
    )


_VARIANTS = {"value_target": _value_targets, "gumbel_vs_puct": _gumbel_vs_puct, "playout_cap": _playout_cap}


def _styles(names: list[str], colors: list[str]) -> dict[str, dict[str, str]]:
    # "gumbel-8", "puct-8": one colour per simulation count, one line style per algorithm.
    parts = [name.rsplit("-", 1) for name in names]
    if not all(len(p) == 2 and p[1].isdigit() for p in parts):
        return {name: {"color": colors[i % len(colors)]} for i, name in enumerate(names)}
    counts = sorted({int(p[1]) for p in parts})
    kinds = list(dict.fromkeys(p[0] for p in parts))
    return {
        name: {"color": colors[counts.index(int(n)) % len(colors)], "linestyle": ("-", "--", ":")[kinds.index(k) % 3]}
        for name, (k, n) in zip(names, parts, strict=True)
    }


def _tag(name: str) -> str:
    return "".join(c if c.isalnum() or c in "=.-" else "_" for c in name)


class CurveStudy:
    """A training-curve study (see the module docstring)."""

    def __init__(self, name: str, settings: CurveSettings) -> None:
        self.name = name
        self.s = settings

    def settings(self) -> dict[str, Any]:
        return dataclasses.asdict(self.s)

    def cells(self) -> list[Cell]:
        s, cells = self.s, []
        cost = (s.steps or 0) / 100 + (s.minutes or 0) * 6
        for name, _ in s.variants:
            for seed in range(s.seeds):
                run = f"{_tag(name)}-s{seed}"
                cells.append(Cell(f"train-{run}", {"kind": "train", "variant": name, "seed": seed}, cost=cost))
                cells.append(
                    Cell(f"score-{run}", {"kind": "score", "train": f"train-{run}"}, cost / 4, (f"train-{run}",))
                )
        return cells

    def run_cell(self, cell: Cell, context: CellContext) -> dict[str, Any]:
        s = self.s
        if cell.params["kind"] == "train":
            variant = dict(s.variants)[cell.params["variant"]]
            config = s.train_config(variant, seed=context.seed, threads=context.threads)
            return {
                "snapshots": train_with_snapshots(config, context.folder, context.study_folder, fractions=s.fractions)
            }
        game = parse_board(s.board)
        sets = position_sets(game, s.positions)
        rng = np.random.default_rng(context.seed)
        scores = []
        for snapshot in context.results[cell.params["train"]]["snapshots"]:
            network = load_checkpoint(context.study_folder / snapshot["path"], game).network
            alone = evaluate_player(network_player(game, network, simulations=0), sets, rng).row("all")
            search = network_player(game, network, simulations=s.search_simulations)
            scores.append(
                {
                    "seconds": snapshot["seconds"],
                    "step": snapshot["step"],
                    "network_accuracy": alone.accuracy,
                    "network_value_accuracy": alone.value_accuracy,
                    "search_accuracy": evaluate_player(search, sets, rng).accuracy,
                }
            )
        return {"scores": scores}

    def report(self, results: dict[str, Any], figure: Path) -> tuple[dict[str, Any], str]:
        s, rng = self.s, np.random.default_rng(0)
        curves: dict[str, list[dict[str, Any]]] = {}
        for name, _ in s.variants:
            runs = [results[f"score-{_tag(name)}-s{seed}"]["scores"] for seed in range(s.seeds)]
            points = []
            for k, fraction in enumerate(s.fractions):
                point: dict[str, Any] = {
                    "fraction": fraction,
                    "seconds": float(np.mean([run[k]["seconds"] for run in runs])),
                    "step": float(np.mean([run[k]["step"] for run in runs])),
                }
                for metric in METRICS:
                    mean, low, high = bootstrap_mean(np.array([run[k][metric] for run in runs]), rng)
                    point |= {metric: mean, f"{metric}_low": low, f"{metric}_high": high}
                points.append(point)
            curves[name] = points
        self._plot(curves, figure)
        return {"curves": curves}, self._markdown(curves)

    def _plot(self, curves: dict[str, list[dict[str, Any]]], path: Path) -> None:
        plt = pyplot()
        fig, axes = plt.subplots(1, len(METRICS), figsize=(6 * len(METRICS), 4.8))
        styles = _styles(list(curves), plt.rcParams["axes.prop_cycle"].by_key()["color"])
        for axis, (metric, label) in zip(axes, METRICS.items(), strict=True):
            for name, points in curves.items():
                xs = [p["seconds"] for p in points]
                ys = np.array([p[metric] for p in points])
                spread = [
                    ys - [p[f"{metric}_low"] for p in points],
                    np.array([p[f"{metric}_high"] for p in points]) - ys,
                ]
                axis.errorbar(xs, ys, yerr=np.clip(spread, 0, None), marker="o", capsize=2, label=name, **styles[name])
            axis.set(xlabel="training seconds", ylabel=label, title=label)
            axis.legend(fontsize=7)
        fig.suptitle(f"{self.name} on {self.s.board} ({self.s.seeds} seed(s); bars: 95% bootstrap over seeds)")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)

    def _markdown(self, curves: dict[str, list[dict[str, Any]]]) -> str:
        s = self.s
        budget = f"{s.steps} learner steps" if s.steps is not None else f"{s.minutes:g} minutes"
        lines = [
            f"Board {s.board}; ResNet {s.size}; {budget} per run; {s.seeds} seed(s) per variant; snapshots at "
            f"{', '.join(f'{f:g}' for f in s.fractions)} of the budget, scored on the standard position sets "
            f"(network alone, and PUCT with {s.search_simulations} simulations). Means over seeds with 95% "
            "bootstrap intervals over seeds.",
            "",
            "| variant | seconds | steps | network accuracy | search accuracy | value accuracy |",
            "|---|---:|---:|---|---|---|",
        ]

        def cell(p: dict[str, Any], metric: str) -> str:
            return f"{100 * p[metric]:.1f}% [{100 * p[f'{metric}_low']:.1f}, {100 * p[f'{metric}_high']:.1f}]"

        for name, points in curves.items():
            p = points[-1]
            metrics = " | ".join(cell(p, m) for m in ("network_accuracy", "search_accuracy", "network_value_accuracy"))
            lines.append(f"| {name} | {p['seconds']:.0f} | {p['step']:.0f} | {metrics} |")
        lines += ["", "At the end of the budget; the figure has every snapshot."]
        return "\n".join(lines)
