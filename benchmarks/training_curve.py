"""Summarise an expert-iteration run: its periodic evaluations and time split as a Markdown
table, a PNG of accuracy against perfect play (where the run measured it) and of ladder scores
against training minutes, and JSON, under benchmarks/results/.

    .venv/bin/python benchmarks/training_curve.py --run runs/connect_four --name train_connect_four
    .venv/bin/python benchmarks/training_curve.py --run runs/connect_four --quick   # saved as *_quick
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import DEFAULT_OUT, publish, result_name, results_dir, setup_process, table

setup_process(threads=None)

import json
from dataclasses import dataclass
from pathlib import Path

import tyro


@dataclass(frozen=True)
class CurveConfig:
    """Summarise a run folder's metrics.jsonl."""

    run: str = "runs/connect_four"
    """the run folder"""
    name: str = "train_connect_four"
    """result file name"""
    quick: bool = False
    """smoke run: save as <name>_quick (the run folder is only read, so nothing else changes)"""
    out: str = DEFAULT_OUT
    """output folder (relative paths are taken from the repository root)"""


def run(config: CurveConfig) -> None:
    records = [json.loads(line) for line in (Path(config.run) / "metrics.jsonl").read_text().splitlines()]
    start = next(r for r in records if r["kind"] == "start")
    evaluations = [r for r in records if r["kind"] == "evaluation"]
    last = [r for r in records if r["kind"] == "train"][-1]
    keys = [k for k in evaluations[0] if k not in ("kind", "step", "elapsed_s")] if evaluations else []
    opponents = [k for k in keys if "_vs_" in k]
    accuracies = [k for k in keys if k.endswith("accuracy") or "_accuracy_" in k]
    share = {key: last[f"time_{key}_s"] / last["elapsed_s"] for key in ("network", "search", "learner", "evaluation")}
    latest = Path(config.run) / "checkpoints" / (Path(config.run) / "latest").read_text().strip()
    training = json.loads((latest / "config.json").read_text())["training"]
    # Runs made before `evaluation` was one config kept its fields flat, as eval_*.
    evaluation = training.get("evaluation") or {
        "games": training["eval_games"],
        "simulations": training["eval_simulations"],
        "algorithm": training.get("eval_algorithm", training["selfplay"]["algorithm"]),
    }
    algorithm = evaluation["algorithm"]
    lines = [
        f"Run `{config.run}`: {start['game']}, {start['parameters']:,} parameters, "
        f"{start['flops_per_evaluation'] / 1e6:.1f} MFLOP per evaluation, {start['threads']} threads.",
        "",
        f"After {last['elapsed_s'] / 60:.1f} min: {last['positions']:,} training positions from {last['games']:,} "
        f"games, {last['step']:,} learner steps, {last['positions_per_s']:.0f} positions/s. Time: network "
        f"{share['network']:.0%}, search bookkeeping {share['search']:.0%}, learner {share['learner']:.0%}, "
        f"evaluation {share['evaluation']:.0%}.",
        "",
        f"Periodic evaluation, {evaluation['games']} games per opponent, seats alternated (score: win 1, draw "
        f"0.5); `search` = {evaluation['simulations']} simulations of {algorithm}, `network` = no search"
        + ("; accuracy = share of optimal moves on the standard position sets (solver-scored):" if accuracies else ":"),
        "",
    ]
    columns = [*accuracies, *opponents]
    rows = [
        [r["step"], f"{r['elapsed_s'] / 60:.1f}", *(f"{r.get(k, float('nan')):.3f}" for k in columns)]
        for r in evaluations
    ]
    lines.append(table(["step", "minutes", *columns], rows, left=0))
    markdown = "\n".join(lines)
    name = result_name(config.name, quick=config.quick)
    if evaluations:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        panels = [("score against the ladder", opponents)]
        if accuracies:
            shown = [k for k in accuracies if k in ("search_accuracy", "network_accuracy", "network_value_accuracy")]
            panels.insert(0, ("accuracy against perfect play", shown or accuracies))
        figure, axes_row = plt.subplots(1, len(panels), figsize=(6 * len(panels), 3.5), dpi=100, squeeze=False)
        minutes = [r["elapsed_s"] / 60 for r in evaluations]
        for axes, (label, panel_keys) in zip(axes_row[0], panels, strict=True):
            for key in panel_keys:
                axes.plot(minutes, [r.get(key, float("nan")) for r in evaluations], marker="o", label=key)
            axes.set_xlabel("training minutes")
            axes.set_ylabel(label)
            axes.set_ylim(0, 1.02)
            axes.grid(alpha=0.3)
            axes.legend(fontsize=7)
            axes.set_title(start["game"])
        figure.tight_layout()
        figure.savefig(results_dir(config.out) / f"{name}.png")
        plt.close(figure)
    payload = {"run": config.run, "start": start, "final": last, "evaluations": evaluations}
    publish(name, payload, markdown, out=config.out)


if __name__ == "__main__":
    run(tyro.cli(CurveConfig))
