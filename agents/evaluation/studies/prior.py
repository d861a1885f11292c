"""Study `prior`: what the learned policy prior is worth to search.

A network is trained by expert iteration on a solved board; then PUCT search with its policy as
the prior and the same search with a uniform prior (the network's value kept, its policy thrown
away) move in every position of the board's standard sets (random and strong play). The measure
is optimal-move accuracy against the solver. For each prior-search simulation count the report
gives the simulations the uniform search needs to reach the same accuracy (interpolated in
log-simulations on the uniform curve's running maximum), with a 95% bootstrap interval over
positions (positions resampled jointly for every curve, so the comparison is paired).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from boardzoo.agents.evaluation.studies.common import (
    optimal_moves,
    parse_board,
    position_sets,
    pyplot,
    resnet,
    train_with_snapshots,
)
from boardzoo.agents.evaluation.studies.runner import Cell, CellContext
from boardzoo.agents.models import TorchEvaluator, load_checkpoint
from boardzoo.agents.players import SearchPlayer
from boardzoo.agents.search import SearchConfig
from boardzoo.agents.training.expert_iteration import EvaluationConfig, LearnerConfig, SelfPlayConfig, TrainConfig
from boardzoo.envs import State


@dataclass(frozen=True)
class PriorSettings:
    """What the prior study runs (the full form; `quick()` is the CI form)."""

    board: str = "hex:4"
    """a solved board: hex:N or connect_four:RxC (rows × columns); Hex's 16 moves give a prior more
    to choose between than a small Connect Four board's 4 or 5 columns"""
    steps: int = 1200
    """learner steps of the training run"""
    size: str = "2x32"
    """ResNet BLOCKSxCHANNELS"""
    seeds: int = 1
    """networks trained (each measured on the same positions)"""
    prior_simulations: tuple[int, ...] = (16, 64, 256)
    uniform_simulations: tuple[int, ...] = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
    positions: int | None = None
    """positions per standard set (None = the standard size)"""
    selfplay_batch: int = 64
    selfplay_simulations: int = 16
    learner_batch: int = 128
    min_positions: int = 1000
    bootstrap: int = 1000

    def __post_init__(self) -> None:
        parse_board(self.board)
        resnet(self.size)
        if sorted(self.uniform_simulations) != list(self.uniform_simulations) or self.seeds < 1:
            raise ValueError("uniform_simulations must be increasing and seeds >= 1")

    @classmethod
    def quick(cls) -> PriorSettings:
        return cls(
            board="hex:3",
            steps=8,
            size="1x8",
            prior_simulations=(2, 4),
            uniform_simulations=(2, 4, 8, 16),
            positions=30,
            selfplay_batch=8,
            selfplay_simulations=4,
            learner_batch=16,
            min_positions=32,
            bootstrap=50,
        )


class UniformPrior:
    """An evaluator that keeps a network's value and replaces its policy by a uniform one."""

    def __init__(self, evaluator: TorchEvaluator) -> None:
        self.evaluator = evaluator

    def __call__(self, state: State, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, value = self.evaluator(state, keys)
        return np.zeros_like(logits), value


class PriorStudy:
    """The study (see the module docstring)."""

    name = "prior"

    def __init__(self, settings: PriorSettings) -> None:
        self.s = settings

    def settings(self) -> dict[str, Any]:
        return dataclasses.asdict(self.s)

    def cells(self) -> list[Cell]:
        s, cells = self.s, []
        for seed in range(s.seeds):
            cells.append(Cell(f"train-s{seed}", {"kind": "train", "seed": seed}, cost=s.steps / 100))
            for prior, counts in (("prior", s.prior_simulations), ("uniform", s.uniform_simulations)):
                for n in counts:
                    params = {"kind": "search", "seed": seed, "prior": prior, "simulations": n}
                    cells.append(Cell(f"{prior}-s{seed}-n{n}", params, 0.05 + n / 1000, (f"train-s{seed}",)))
        return cells

    def run_cell(self, cell: Cell, context: CellContext) -> dict[str, Any]:
        s, game = self.s, parse_board(self.s.board)
        if cell.params["kind"] == "train":
            config = TrainConfig(
                game=game.id,
                game_params=dict(game.params),
                minutes=None,
                steps=s.steps,
                seed=context.seed,
                threads=context.threads,
                progress_bar=False,
                network=resnet(s.size),
                selfplay=SelfPlayConfig(
                    batch_size=s.selfplay_batch,
                    simulations=s.selfplay_simulations,
                    cheap_simulations=s.selfplay_simulations,
                    full_search_fraction=1.0,
                    max_considered_actions=min(16, game.num_actions),
                ),
                learner=LearnerConfig(batch_size=s.learner_batch, warmup_steps=min(50, s.steps // 4)),
                evaluation=EvaluationConfig(interval=-1),
                min_positions=s.min_positions,
                checkpoint_interval=max(1, s.steps // 4),
                keep_checkpoints=1,
                tensorboard=False,
            )
            return {"snapshots": train_with_snapshots(config, context.folder, context.study_folder, steps=[s.steps])}
        snapshot = context.results[f"train-s{cell.params['seed']}"]["snapshots"][0]
        network = load_checkpoint(context.study_folder / snapshot["path"], game).network
        evaluator: Any = TorchEvaluator(game, network, frozen=True)
        if cell.params["prior"] == "uniform":
            evaluator = UniformPrior(evaluator)
        player = SearchPlayer(game, evaluator, SearchConfig(simulations=cell.params["simulations"], rule="puct"))
        hits = optimal_moves(player, position_sets(game, s.positions), np.random.default_rng(context.seed))
        return {"accuracy": float(hits.mean()), "positions": int(hits.size), "_hits": hits.astype(int).tolist()}

    # -- report ---------------------------------------------------------------------------
    def _hits(self, results: dict[str, Any], prior: str, n: int) -> np.ndarray:
        # int[seeds, N]
        return np.array([results[f"{prior}-s{seed}-n{n}"]["_hits"] for seed in range(self.s.seeds)])

    def report(self, results: dict[str, Any], figure: Path) -> tuple[dict[str, Any], str]:
        s = self.s
        rng = np.random.default_rng(0)
        curves = {
            prior: np.stack([self._hits(results, prior, n) for n in counts])  # [K, seeds, N]
            for prior, counts in (("prior", s.prior_simulations), ("uniform", s.uniform_simulations))
        }
        n_positions = curves["prior"].shape[2]
        picks = rng.integers(0, n_positions, size=(s.bootstrap, n_positions))
        accuracy = {prior: hits.mean(axis=(1, 2)) for prior, hits in curves.items()}
        samples = {prior: hits[:, :, picks].mean(axis=(1, 3)) for prior, hits in curves.items()}  # [K, bootstrap]
        uniform_sims = np.array(s.uniform_simulations, np.float64)
        matches = []
        for i, n in enumerate(s.prior_simulations):
            needed = matching_simulations(uniform_sims, accuracy["uniform"], accuracy["prior"][i])
            boot = [
                matching_simulations(uniform_sims, samples["uniform"][:, b], samples["prior"][i, b])
                for b in range(s.bootstrap)
            ]
            finite = np.array([x if x is not None else math.inf for x in boot])
            low, high = np.percentile(finite, [2.5, 97.5])
            matches.append(
                {
                    "prior_simulations": n,
                    "prior_accuracy": float(accuracy["prior"][i]),
                    "uniform_simulations": needed,
                    "low": float(low),
                    "high": float(high),
                    "ratio": None if needed is None else needed / n,
                }
            )
        intervals = {prior: np.percentile(samples[prior], [2.5, 97.5], axis=1) for prior in curves}
        summary = {
            "positions": n_positions,
            "curves": {
                prior: [
                    {
                        "simulations": n,
                        "accuracy": float(accuracy[prior][k]),
                        "low": float(intervals[prior][0, k]),
                        "high": float(intervals[prior][1, k]),
                    }
                    for k, n in enumerate(s.prior_simulations if prior == "prior" else s.uniform_simulations)
                ]
                for prior in curves
            },
            "matches": matches,
        }
        self._plot(summary, figure)
        return summary, self._markdown(summary)

    def _plot(self, summary: dict[str, Any], path: Path) -> None:
        plt = pyplot()
        fig, axis = plt.subplots(figsize=(7, 5))
        for prior, points in summary["curves"].items():
            xs = [p["simulations"] for p in points]
            ys = np.array([p["accuracy"] for p in points])
            spread = [ys - [p["low"] for p in points], np.array([p["high"] for p in points]) - ys]
            label = "learned prior" if prior == "prior" else "uniform prior"
            axis.errorbar(xs, ys, yerr=np.clip(spread, 0, None), marker="o", capsize=3, label=label)
        ticks = sorted(set(self.s.prior_simulations) | set(self.s.uniform_simulations))
        axis.set(
            xscale="log",
            xlabel="PUCT simulations per move",
            ylabel="optimal-move accuracy",
            title=f"{self.s.board}: learned vs uniform prior (value net kept)\n95% bootstrap intervals over positions",
        )
        axis.set_xticks(ticks, [str(t) for t in ticks])
        axis.minorticks_off()
        axis.legend()
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)

    def _markdown(self, summary: dict[str, Any]) -> str:
        s = self.s

        def sims(x: float | None) -> str:
            return "–" if x is None else ("> max" if math.isinf(x) else f"{x:.0f}")

        lines = [
            f"Board {s.board}; a ResNet {s.size} trained {s.steps} learner steps ({s.seeds} seed(s)); PUCT with the "
            f"learned prior vs a uniform prior, the value network kept; optimal-move accuracy on "
            f"{summary['positions']} solver-labelled positions (random and strong play). Intervals: 95% bootstrap "
            "over positions.",
            "",
            "| prior search simulations | accuracy | uniform simulations to match | 95% | ratio |",
            "|---:|---:|---:|---|---:|",
        ]
        for m in summary["matches"]:
            ratio = "–" if m["ratio"] is None else f"{m['ratio']:.1f}×"
            needed = (
                f"> {s.uniform_simulations[-1]}" if m["uniform_simulations"] is None else sims(m["uniform_simulations"])
            )
            lines.append(
                f"| {m['prior_simulations']} | {100 * m['prior_accuracy']:.1f}% | {needed} | "
                f"[{sims(m['low'])}, {sims(m['high'])}] | {ratio} |"
            )
        lines += ["", "| simulations | learned prior | uniform prior |", "|---:|---:|---:|"]
        prior = {p["simulations"]: p for p in summary["curves"]["prior"]}
        uniform = {p["simulations"]: p for p in summary["curves"]["uniform"]}
        for n in sorted(set(prior) | set(uniform)):
            cells = [f"{100 * c[n]['accuracy']:.1f}%" if n in c else "" for c in (prior, uniform)]
            lines.append(f"| {n} | {cells[0]} | {cells[1]} |")
        return "\n".join(lines)


def matching_simulations(simulations: np.ndarray, accuracy: np.ndarray, target: float) -> float | None:
    """The simulations at which the running maximum of `accuracy` (over increasing
    `simulations`) first reaches `target`, interpolated linearly in log-simulations; the first
    count if it is reached at once; None if never."""
    envelope = np.maximum.accumulate(np.asarray(accuracy, np.float64))
    reached = np.flatnonzero(envelope >= target - 1e-12)
    if reached.size == 0:
        return None
    i = int(reached[0])
    if i == 0:
        return float(simulations[0])
    below, above = envelope[i - 1], envelope[i]
    share = (target - below) / (above - below) if above > below else 1.0
    logs = np.log(simulations[i - 1]) + share * (np.log(simulations[i]) - np.log(simulations[i - 1]))
    return float(np.exp(logs))
