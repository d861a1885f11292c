"""The report of the `train_test` study: Elo pools per board, curves, the iso-Elo fit, the
compute needed to come near perfect play; the figure and the Markdown."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from boardzoo.agents.evaluation.studies.common import board_cells, log_ticks, parse_board, pyplot
from boardzoo.agents.evaluation.studies.train_test import fit_frontier, player_name, pool_ratings, rung_name

if TYPE_CHECKING:
    from boardzoo.agents.evaluation.studies.train_test import TrainTestStudy


def report(study: TrainTestStudy, results: dict[str, Any], figure: Path) -> tuple[dict[str, Any], str]:
    s = study.s
    rng = np.random.default_rng(0)
    boards = {}
    for board in s.boards:
        ratings = pool_ratings(study, results, board).as_dict()
        players = _players(study, results, board, ratings)
        rungs = {rung_name(e): ratings[rung_name(e)] for e in s.epsilons}
        bottom = min(r["elo"] for r in rungs.values())
        arrays = {k: np.array([p[k] for p in players]) for k in ("train_flops", "test_flops", "elo")}
        fit = fit_frontier(
            arrays["train_flops"], arrays["test_flops"], arrays["elo"], low=bottom + s.margin, high=-s.margin, rng=rng
        )
        reference = [p for p in players if p["simulations"] == s.reference_simulations]
        boards[board] = {
            "cells": board_cells(parse_board(board)),
            "rungs": rungs,
            "players": players,
            "fit": fit,
            "reach": _reach(reference, -s.margin),
            "frontier_train": _train_frontier(reference),
        }
    summary = {"boards": boards, "growth_per_side": _growth(boards)}
    _plot(study, boards, figure)
    return summary, _markdown(study, boards, summary["growth_per_side"])


def _players(study: TrainTestStudy, results: dict[str, Any], board: str, ratings: dict) -> list[dict[str, Any]]:
    # One row per (size, snapshot, simulations), Elo averaged over seeds (interval: the widest).
    tag = board.replace(":", "")
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for key, result in sorted(results.items()):
        if not key.startswith(f"play-{tag}-"):
            continue
        _, _, size, _, snapshot = key.rsplit("-", 4)
        snap = result["snapshot"]
        for simulations in study.s.simulations:
            row = ratings[player_name(key, simulations)]
            groups[(size, int(snapshot[1:]), simulations)].append(
                {
                    "step": snap["step"],
                    "train_flops": snap["train_flops"],
                    "test_flops": (simulations + 1) * snap["flops_per_evaluation"],
                    **row,
                }
            )
    players = []
    order = {size: i for i, size in enumerate(study.s.sizes)}
    for (size, snapshot, simulations), rows in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], *kv[0][1:])):
        players.append(
            {
                "size": size,
                "snapshot": snapshot,
                "simulations": simulations,
                "seeds": len(rows),
                "step": float(np.mean([r["step"] for r in rows])),
                "train_flops": float(np.mean([r["train_flops"] for r in rows])),
                "test_flops": float(rows[0]["test_flops"]),
                "elo": float(np.mean([r["elo"] for r in rows])),
                "low": float(min(r["low"] for r in rows)),
                "high": float(max(r["high"] for r in rows)),
            }
        )
    return players


def _reach(reference: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """The least train FLOPs of a snapshot whose Elo is above `threshold`; the interval takes
    the interval's upper and lower ends instead of the Elo."""

    def least(key: str) -> float | None:
        reached = [p["train_flops"] for p in reference if p[key] >= threshold]
        return min(reached) if reached else None

    return {"train_flops": least("elo"), "low": least("high"), "high": least("low")}


def _train_frontier(reference: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The best Elo reached by any size for at most each train compute (snapshots at the reference
    simulations), as points where it improves."""
    frontier, best = [], -math.inf
    for p in sorted(reference, key=lambda p: p["train_flops"]):
        if p["elo"] > best:
            best = p["elo"]
            frontier.append({k: p[k] for k in ("size", "snapshot", "train_flops", "elo", "low", "high")})
    return frontier


def _growth(boards: dict[str, Any]) -> dict[str, float]:
    """Per game: the factor of train compute per added board row and column (side = √cells),
    fitted over its boards that came near perfect play (games with fewer than two are left out)."""
    growth = {}
    for game in dict.fromkeys(board.partition(":")[0] for board in boards):
        points = [
            (math.sqrt(b["cells"]), b["reach"]["train_flops"])
            for board, b in boards.items()
            if board.partition(":")[0] == game and b["reach"]["train_flops"]
        ]
        if len({side for side, _ in points}) >= 2:
            sides, flops = np.array(points).T
            growth[game] = float(10 ** np.polyfit(sides, np.log10(flops), 1)[0])
    return growth


def _errorbar(axis: Any, points: list[dict[str, Any]], x: str, **style: Any) -> None:
    xs = [p[x] for p in points]
    elo = np.array([p["elo"] for p in points])
    spread = [elo - np.array([p["low"] for p in points]), np.array([p["high"] for p in points]) - elo]
    axis.errorbar(xs, elo, yerr=np.clip(spread, 0, None), capsize=2, **style)


def _plot(study: TrainTestStudy, boards: dict[str, Any], path: Path) -> None:
    plt = pyplot()
    s = study.s
    fig, axes = plt.subplots(2, 3, figsize=(17, 10))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    markers = "osD^v<>"
    (train_axis, test_axis, iso_axis), (check_axis, reach_axis, ladder_axis) = axes
    for b, (board, data) in enumerate(boards.items()):
        marker = markers[b % len(markers)]
        last = s.checkpoints - 1
        for i, size in enumerate(s.sizes):
            style = {"color": colors[i % len(colors)], "marker": marker, "label": f"{board} {size}"}
            curve = [p for p in data["players"] if p["size"] == size and p["simulations"] == s.reference_simulations]
            _errorbar(train_axis, curve, "train_flops", **style)
            final = [p for p in data["players"] if p["size"] == size and p["snapshot"] == last]
            _errorbar(test_axis, final, "test_flops", **style)
        frontier = data["frontier_train"]
        train_axis.step([p["train_flops"] for p in frontier], [p["elo"] for p in frontier], "k--", where="post", lw=1)
        rungs = data["rungs"]
        ladder_points = [{"epsilon": e, **rungs[rung_name(e)]} for e in s.epsilons]
        _errorbar(ladder_axis, ladder_points, "epsilon", marker=marker, label=board)
        reach = data["reach"]
        if reach["train_flops"]:
            low = reach["low"] or reach["train_flops"]
            high = reach["high"] or reach["train_flops"]
            reach_axis.errorbar(
                [data["cells"]],
                [reach["train_flops"]],
                yerr=[[reach["train_flops"] - low], [high - reach["train_flops"]]],
                marker=marker,
                capsize=3,
                label=board,
            )
    fitted = [(board, data) for board, data in boards.items() if data["fit"]]
    if fitted:
        board, data = fitted[-1]
        _plot_fit(iso_axis, check_axis, board, data, plt)
    else:
        for axis in (iso_axis, check_axis):
            axis.text(0.5, 0.5, "too few frontier points to fit", ha="center", transform=axis.transAxes)
    for axis, xlabel, title in (
        (train_axis, "train FLOPs", f"Elo vs train compute ({s.reference_simulations} simulations); dashed: frontier"),
        (test_axis, "test FLOPs per move", "Elo vs test compute (last snapshot)"),
    ):
        axis.set(xscale="log", xlabel=xlabel, ylabel="Elo (perfect play = 0)", title=title)
        axis.axhline(-s.margin, color="grey", lw=0.5)
        axis.legend(fontsize=7)
    reach_axis.set(
        yscale="log", xlabel="board cells", ylabel="train FLOPs", title=f"train compute to come within {s.margin:g} Elo"
    )
    ladder_axis.set(xlabel="EPS of perfect:EPS", ylabel="Elo", title="the perfect:EPS ladder")
    for axis in (reach_axis, ladder_axis):
        if axis.has_data():
            axis.legend(fontsize=7)
    fig.suptitle("Train-time vs test-time compute (bars: 95% bootstrap intervals over games)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _plot_fit(iso_axis: Any, check_axis: Any, board: str, data: dict[str, Any], plt: Any) -> None:
    fit, players = data["fit"], data["players"]
    points = [players[i] for i in fit["frontier"]]
    train = np.array([p["train_flops"] for p in points])
    test = np.array([p["test_flops"] for p in points])
    elo = np.array([p["elo"] for p in points])
    scatter = iso_axis.scatter(train, test, c=elo, cmap="viridis")
    plt.colorbar(scatter, ax=iso_axis, label="Elo")
    xs = np.logspace(np.log10(train.min()), np.log10(train.max()), 20)
    for level in np.linspace(elo.min(), elo.max(), 3):
        iso_axis.plot(xs, 10 ** (fit["m"] * np.log10(xs) + fit["b"] * level + fit["c"]), lw=1, label=f"Elo {level:.0f}")
    iso_axis.set(
        xscale="log",
        yscale="log",
        xlabel="train FLOPs",
        ylabel="test FLOPs per move",
        title=f"{board}: iso-Elo, m = {fit['m']:.2f} [{fit['m_low']:.2f}, {fit['m_high']:.2f}]",
    )
    iso_axis.legend(fontsize=7)
    iso_axis.xaxis.set_minor_formatter(plt.NullFormatter())
    effective = np.log10(test) - fit["m"] * np.log10(train)
    _errorbar(check_axis, [{**p, "x": x} for p, x in zip(points, effective, strict=True)], "x", fmt="o")
    xs = np.linspace(effective.min(), effective.max(), 10)
    check_axis.plot(xs, (xs - fit["c"]) / fit["b"], "k--", lw=1)
    check_axis.set(
        xlabel="log10(test) − m·log10(train)",
        ylabel="Elo",
        title=f"{board}: frontier points and the fit (R² = {fit['r2']:.2f}, n = {fit['points']})",
    )


def _flops(x: float | None) -> str:
    return "–" if x is None else f"{x:.2e}"


def _markdown(study: TrainTestStudy, boards: dict[str, Any], growth: dict[str, float]) -> str:
    s = study.s
    lines = [
        f"Boards {', '.join(s.boards)} (learner steps {', '.join(map(str, s.steps))}); ResNet sizes "
        f"{', '.join(s.sizes)} (blocks×channels); {s.seeds} seed(s); {s.checkpoints} snapshots per run at "
        f"steps/2^k; each played with {', '.join(map(str, s.simulations))} PUCT simulations, {s.games} games "
        f"against each rung of the perfect:EPS ladder (EPS {', '.join(f'{e:g}' for e in s.epsilons)}). "
        "Elo pool per board anchored at perfect play = 0; intervals are 95% bootstrap over games.",
        "",
        "Train FLOPs = learner steps × batch × 3 × F + self-play evaluations × F; test FLOPs per move = "
        "(simulations + 1) × F (F = FLOPs of one forward pass).",
        "",
        "## Iso-Elo fit: log10(test) = m·log10(train) + b·Elo + c",
        "",
        "| board | m | m 95% | b | c | frontier points | R² |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for board, data in boards.items():
        fit = data["fit"]
        if fit is None:
            lines.append(f"| {board} | – | – | – | – | too few | – |")
        else:
            lines.append(
                f"| {board} | {fit['m']:.2f} | [{fit['m_low']:.2f}, {fit['m_high']:.2f}] | {fit['b']:.4f} | "
                f"{fit['c']:.2f} | {fit['points']} | {fit['r2']:.2f} |"
            )
    lines += [
        "",
        "Jones (2021) reports m ≈ −1.2 on Hex (10× more train compute saves about 15× test compute).",
        "",
        f"## Train compute to come within {s.margin:g} Elo of perfect play ({s.reference_simulations} simulations)",
        "",
        "| board | cells | train FLOPs | 95% |",
        "|---|---:|---:|---|",
    ]
    for board, data in boards.items():
        reach = data["reach"]
        lines.append(
            f"| {board} | {data['cells']} | {_flops(reach['train_flops'])} | "
            f"[{_flops(reach['low'])}, {_flops(reach['high'])}] |"
        )
    growth_text = ", ".join(f"{game} {factor:.1f}×" for game, factor in growth.items()) or "– (fewer than two boards)"
    lines += [
        "",
        f"Train compute per added row and column (side = √cells, two or more boards of a game): {growth_text} "
        "(Jones: about 7× on Hex).",
        "",
    ]
    for board, data in boards.items():
        lines += [f"## {board}: Elo by snapshot (rows) and simulations (columns)", ""]
        lines.append("| size | step | train FLOPs | " + " | ".join(f"n={n}" for n in s.simulations) + " |")
        lines.append("|---|---:|---:|" + "---:|" * len(s.simulations))
        by_row: dict[tuple, dict[int, dict[str, Any]]] = defaultdict(dict)
        for p in data["players"]:
            by_row[(p["size"], p["snapshot"])][p["simulations"]] = p
        for (size, _), row in by_row.items():
            first = next(iter(row.values()))
            cells = " | ".join(f"{row[n]['elo']:.0f}" for n in s.simulations)
            lines.append(f"| {size} | {first['step']:.0f} | {first['train_flops']:.2e} | {cells} |")
        rungs = ", ".join(
            f"{name} {r['elo']:.0f} [{r['low']:.0f}, {r['high']:.0f}]" for name, r in data["rungs"].items()
        )
        lines += ["", f"Ladder: {rungs}.", ""]
    ticks = log_ticks([p["train_flops"] for data in boards.values() for p in data["players"]])
    if ticks:
        lines.append(f"Train compute spans {ticks[0]:.0e} to {ticks[-1]:.0e} FLOPs.")
    return "\n".join(lines)
