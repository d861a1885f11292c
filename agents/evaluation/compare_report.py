"""The comparison's report: Elo curves per method, minutes to beat a ladder rung, the plot and
the Markdown summary (`boardzoo.agents.evaluation.compare` runs the stages)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from boardzoo.agents.evaluation.ratings import Ratings
from boardzoo.envs import Game

if TYPE_CHECKING:
    from boardzoo.agents.evaluation.compare import CompareConfig


def method_curves(ratings: Ratings, budget: float) -> dict[str, list[dict[str, Any]]]:
    """Elo against training minutes for each method (from the snapshot names)."""
    curves: dict[str, list[dict[str, Any]]] = {}
    table = ratings.as_dict()
    for name, row in table.items():
        if "@" not in name:
            continue
        method, fraction = name.split("@")
        curves.setdefault(method, []).append({"name": name, "minutes": float(fraction) * budget, **row})
    for points in curves.values():
        points.sort(key=lambda p: p["minutes"])
    return curves


def accuracy_curves(
    curves: dict[str, list[dict[str, Any]]], accuracy: dict[str, dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """The curves with each snapshot's perfect-play scores added (where measured)."""
    return {method: [{**p, **accuracy.get(p["name"], {})} for p in points] for method, points in curves.items()}


def minutes_to_beat(
    records: list[dict], curves: dict[str, list[dict[str, Any]]], opponent: str, threshold: float = 0.75
) -> dict[str, float | None]:
    """For each method, the training minutes of its first snapshot scoring >= threshold against `opponent`."""
    scores: dict[str, list[float]] = {}
    for r in records:
        for me, other, outcome in ((r["a"], r["b"], r["outcome_a"]), (r["b"], r["a"], -r["outcome_a"])):
            if other == opponent:
                scores.setdefault(me, []).append((outcome + 1) / 2)
    result: dict[str, float | None] = {}
    for method, points in curves.items():
        reached = [p["minutes"] for p in points if scores.get(p["name"]) and np.mean(scores[p["name"]]) >= threshold]
        result[method] = reached[0] if reached else None
    return result


def plot(curves: dict[str, list[dict[str, Any]]], ratings: Ratings, path: Path, title: str) -> None:
    """Elo against training minutes with 95% bands, ladder rungs as horizontal lines; beside it,
    optimal-move accuracy against minutes where the snapshots were scored against perfect play."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scored = any("accuracy" in p for points in curves.values() for p in points)
    figure, panels = plt.subplots(1, 2 if scored else 1, figsize=(12 if scored else 7, 4.5), dpi=110, squeeze=False)
    axes = panels[0, 0]
    if scored:
        _plot_accuracy(panels[0, 1], curves)
    for method, points in sorted(curves.items()):
        x = [p["minutes"] for p in points]
        axes.plot(x, [p["elo"] for p in points], marker="o", label=method)
        axes.fill_between(x, [p["low"] for p in points], [p["high"] for p in points], alpha=0.2)
    table = ratings.as_dict()
    for name, row in table.items():
        if "@" not in name:
            axes.axhline(row["elo"], color="grey", linestyle="--", linewidth=0.8)
            axes.annotate(name, (0, row["elo"]), xytext=(2, 2), textcoords="offset points", fontsize=8, color="grey")
    axes.set_xlabel("training wall-clock (minutes, 2-core CPU)")
    axes.set_ylabel("Elo (random = 0)")
    axes.set_title(title)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def _plot_accuracy(axes: Any, curves: dict[str, list[dict[str, Any]]]) -> None:
    for method, points in sorted(curves.items()):
        points = [p for p in points if "accuracy" in p]
        if points:
            axes.plot([p["minutes"] for p in points], [100 * p["accuracy"] for p in points], marker="o", label=method)
    axes.set_xlabel("training wall-clock (minutes, 2-core CPU)")
    axes.set_ylabel("optimal moves on the standard sets (%)")
    axes.set_title("accuracy against perfect play")
    axes.legend(loc="lower right", fontsize=8)


def earlier_invocations(folder: Path) -> list[dict[str, float]]:
    # The timings of earlier calls on this folder (a resumed or re-rated comparison keeps them).
    previous = folder / "report.json"
    if not previous.is_file():
        return []
    report = json.loads(previous.read_text())
    return [*report.get("earlier_invocations", []), report["seconds"]]


def markdown_report(
    config: CompareConfig,
    game: Game,
    ratings: Ratings,
    curves: dict[str, Any],
    beat: dict[str, float | None],
    notes: dict[str, Any],
    accuracy: dict[str, dict[str, Any]] | None = None,
    snapshot_steps: dict[str, int | None] | None = None,
) -> str:
    """The comparison's Markdown report; `snapshot_steps` (snapshot -> learner steps) flags the
    snapshots saved before their method learned anything."""
    untrained = sorted(name for name, step in (snapshot_steps or {}).items() if step == 0)
    lines = [
        f"# {game!r}: expert iteration vs PPO vs BC, {config.budget:g} training minutes each",
        "",
        f"Round robin: {config.games_per_pair} games per pair, seats alternated; Elo by maximum likelihood "
        f"(random = 0), 95% bootstrap intervals ({config.bootstrap} resamples). Expert iteration plays with "
        f"{config.simulations} simulations of search (`expert_iteration_network` is its final network "
        f"alone); PPO and BC play their network's most probable move."
        + (f" Changed from each method's defaults: {', '.join(config.overrides)}." if config.overrides else ""),
        "",
        ratings.markdown(),
        "",
        *_accuracy_lines(ratings, accuracy or {}),
        *(
            [
                f"**Untrained snapshots:** {', '.join(untrained)} were saved before their method's first "
                "learner step (too little budget for this machine's speed or load): they rate an untrained "
                "network.",
                "",
            ]
            if untrained
            else []
        ),
        "Training minutes to score ≥ 75% against UCT with 1,000 rollouts (first snapshot that did):",
        "",
    ]
    for method in sorted(curves):
        value = beat.get(method)
        lines.append(f"- {method}: {'not reached' if value is None else f'{value:g} min'}")
    if notes.get("bc"):
        bc = notes["bc"]
        lines += [
            "",
            f"BC's budget: {bc.get('data_seconds', 0):.0f} s making {bc.get('games', '?')} expert games "
            f"({bc.get('positions', '?')} positions, expert {config.bc_expert}), "
            f"{bc.get('train_seconds', 0):.0f} s training.",
        ]
    if notes.get("bc_fixed_data"):
        fixed = notes["bc_fixed_data"]
        lines += [
            "",
            f"BC on fixed data: {fixed.get('dataset_games')} expert games made beforehand "
            f"(not charged), trained {fixed.get('train_minutes', 0):g} min.",
        ]
    return "\n".join(lines) + "\n"


def _accuracy_lines(ratings: Ratings, accuracy: dict[str, dict[str, Any]]) -> list[str]:
    # The perfect-play table, best first, Elo beside it.
    if not accuracy:
        return []

    def percent(x: float | None) -> str:
        return "–" if x is None else f"{100 * x:.1f}%"

    elo = ratings.as_dict()
    lines = [
        "Against perfect play (the game's standard position sets, scored by a solver): share of optimal "
        "moves overall and on each set, blunders (a won or drawn position thrown away), value accuracy "
        "of a network's value head.",
        "",
        "| player | Elo | accuracy | random play | strong play | blunders | value accuracy |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in sorted(accuracy.items(), key=lambda item: -item[1]["accuracy"]):
        rating = f"{elo[name]['elo']:.0f}" if name in elo else "–"
        cells = [row["accuracy"], row.get("accuracy_random"), row.get("accuracy_strong"), row["blunders"]]
        lines.append(
            f"| {name} | {rating} | " + " | ".join(map(percent, cells)) + f" | {percent(row['value_accuracy'])} |"
        )
    return [*lines, ""]
