"""The levers of an expert-iteration run side by side: runs that differ in one setting, read from
their run folders, as accuracy against perfect play (search and network alone, each standard
set) at the periodic evaluation nearest to each of `minutes`, with positions/s and the time
split. Reads metrics.jsonl only; trains nothing. A comparison folder (`boardzoo compare`, it
holds compare.json) stands for its expert-iteration run, scored at its snapshots (its
accuracy.json; the network alone only at the end).

    .venv/bin/python benchmarks/ablation.py --runs "overlap + bf16=runs/c4_60" "bf16=runs/c4_bf16" \
        --name ablation_connect_four
    .venv/bin/python benchmarks/ablation.py --keep benchmarks/results/ablation_connect_four.json \
        --runs "64/16 simulations=runs/c4_sims64"    # adds a run to the committed table
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import DEFAULT_OUT, publish, result_name, setup_process, table

setup_process(threads=None)

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tyro

COLUMNS = ("search_accuracy_random", "search_accuracy_strong", "network_accuracy_random", "network_accuracy_strong")
"""the accuracies shown at each time point (the keys of the runs' evaluation records)"""


@dataclass(frozen=True)
class AblationConfig:
    """Compare runs that differ in one lever."""

    runs: tuple[str, ...] = ()
    """LABEL=RUN_FOLDER for each run (the label names its lever settings)"""
    minutes: tuple[float, ...] = (15.0, 30.0, 60.0)
    """time points: each run's evaluation nearest to the point (its minute is shown)"""
    name: str = "ablation_connect_four"
    """result file name"""
    keep: str = ""
    """an earlier result's JSON: its runs are kept (before the new ones; a new run with the same
    label replaces one), each with the environment it was read in, so a table grows after the
    earlier run folders are gone"""
    quick: bool = False
    """save as <name>_quick"""
    out: str = DEFAULT_OUT


def read_run(label: str, folder: Path, minutes: tuple[float, ...]) -> dict[str, Any]:
    """One run's settings, throughput and the accuracies at each time point (a comparison
    folder: its expert-iteration run)."""
    if (folder / "compare.json").is_file():
        return read_comparison(label, folder, minutes)
    records = _records(folder)
    evaluations = [r for r in records if r["kind"] == "evaluation"]
    if not evaluations:
        raise SystemExit(f"{folder}: the run has no evaluation records yet")
    scored = [(r["elapsed_s"] / 60, {k: r.get(k) for k in COLUMNS}) for r in evaluations]
    return _summary(label, folder, records, _points(scored, minutes))


def read_comparison(label: str, folder: Path, minutes: tuple[float, ...]) -> dict[str, Any]:
    """A comparison's expert-iteration run: throughput from its metrics, accuracies from the
    comparison's scores of its snapshots (search: the comparison's search player)."""
    accuracy_file = folder / "accuracy.json"
    if not accuracy_file.is_file():
        raise SystemExit(f"{folder}: the comparison has not scored its snapshots yet")
    accuracy = json.loads(accuracy_file.read_text())
    budget = json.loads((folder / "compare.json").read_text())["budget"]
    scored = []
    for name, search in accuracy.items():
        method, _, fraction = name.partition("@")
        if method != "expert_iteration":
            continue
        network = accuracy.get(f"expert_iteration_network@{fraction}", {})
        columns = [search.get("accuracy_random"), search.get("accuracy_strong")]
        columns += [network.get("accuracy_random"), network.get("accuracy_strong")]
        scored.append((float(fraction) * budget, dict(zip(COLUMNS, columns, strict=True))))
    return _summary(label, folder, _records(folder / "expert_iteration"), _points(scored, minutes))


def _records(folder: Path) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines() if line.strip()]
    if not any(r["kind"] == "train" for r in records):
        raise SystemExit(f"{folder}: the run has no train records yet")
    return records


def _points(scored: list[tuple[float, dict[str, Any]]], minutes: tuple[float, ...]) -> dict[str, Any]:
    # (minute, accuracies) of each scoring -> the one nearest each time point
    points: dict[str, Any] = {}
    for point in minutes:
        at, columns = min(scored, key=lambda item: abs(item[0] - point))
        # a scoring stands for the time point nearest to it only (a slow run evaluated at 24
        # minutes shows it at 30, and nothing at 15)
        if min(minutes, key=lambda m: abs(at - m)) != point:
            points[f"{point:g}"] = None
            continue
        points[f"{point:g}"] = {"minutes": at, **columns}
    return points


def _summary(label: str, folder: Path, records: list[dict[str, Any]], points: dict[str, Any]) -> dict[str, Any]:
    start = next(r for r in records if r["kind"] == "start")
    last = [r for r in records if r["kind"] == "train"][-1]
    time_split = {key: last[f"time_{key}_s"] / last["elapsed_s"] for key in ("network", "search", "learner")}
    return {
        "label": label,
        "run": str(folder),
        "game": start["game"],
        "parameters": start["parameters"],
        "minutes": last["elapsed_s"] / 60,
        "positions": last["positions"],
        "positions_per_s": last["positions"] / last["elapsed_s"],
        "learner_steps": last["step"],
        "time_split": time_split,
        "points": points,
    }


def markdown(runs: list[dict[str, Any]], minutes: tuple[float, ...]) -> str:
    lines = [
        "Accuracy = share of optimal moves against perfect play on the standard sets (random / strong play), "
        "at each run's periodic evaluation nearest to the time point (an evaluation stands for one point "
        "only); search = the run's evaluation "
        "search (its `evaluation` config), network = the network alone. positions/s = training positions "
        "over the whole run.",
        "",
    ]
    rows = []
    for run in runs:
        split = run["time_split"]
        rows.append(
            [
                run["label"],
                f"{run['positions_per_s']:.0f}",
                f"{run['positions']:,}",
                f"{run['learner_steps']:,}",
                f"{split['network']:.0%} / {split['learner']:.0%}",
            ]
        )
    lines += [table(["run", "positions/s", "positions", "learner steps", "time: network / learner"], rows), ""]
    rows = []
    for run in runs:
        for point in minutes:
            p = run["points"].get(f"{point:g}")
            if p is None:
                rows.append([run["label"], f"{point:g} (no evaluation nearer)", *("–" for _ in COLUMNS)])
                continue
            cells = [f"{100 * p[k]:.1f}%" if p[k] is not None else "n/a" for k in COLUMNS]
            rows.append([run["label"], f"{point:g} ({p['minutes']:.1f})", *cells])
    headers = ["run", "minutes (evaluated at)", "search random", "search strong", "network random", "network strong"]
    lines += [table(headers, rows), ""]
    return "\n".join(lines)


def kept_runs(config: AblationConfig, replaced: set[str]) -> list[dict[str, Any]]:
    """The runs of `config.keep` (none if unset) but those labelled in `replaced`, each carrying
    the environment of the result it came from."""
    if not config.keep:
        return []
    earlier = json.loads(Path(config.keep).read_text())
    if [float(m) for m in earlier["minutes"]] != [float(m) for m in config.minutes]:
        raise SystemExit(f"--keep {config.keep} has time points {earlier['minutes']}, not {list(config.minutes)}")
    return [
        {**run, "environment": run.get("environment", earlier["environment"])}
        for run in earlier["runs"]
        if run["label"] not in replaced
    ]


def main(config: AblationConfig) -> None:
    if not config.runs:
        raise SystemExit("give at least one --runs LABEL=RUN_FOLDER")
    runs = []
    for entry in config.runs:
        label, separator, folder = entry.partition("=")
        if not separator or not label or not folder:
            raise SystemExit(f"--runs takes LABEL=RUN_FOLDER, got {entry!r}")
        runs.append(read_run(label, Path(folder), config.minutes))
    runs = kept_runs(config, {run["label"] for run in runs}) + runs
    payload = {"minutes": config.minutes, "runs": runs}
    publish(result_name(config.name, quick=config.quick), payload, markdown(runs, config.minutes), out=config.out)


if __name__ == "__main__":
    main(tyro.cli(AblationConfig))
