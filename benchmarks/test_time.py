"""Test-time options of one trained agent, scored against perfect play: how much strength each
buys, and for how many network evaluations.

Scores each player spec in `players` (default: the shipped Connect Four agent alone and with
32, 64 and 128 PUCT simulations, each plain and averaged over the board symmetries,
`search-sym:` / `network-sym:`) on the game's standard position sets: optimal-move accuracy on
the random-play and strong-play sets and overall, blunder rate, and the network evaluations
each move costs ((simulations + 1) × symmetries averaged; one pass of S·K rows counts S·K).
Saves `benchmarks/results/test_time_<name>.{json,md}` (`*_quick` for `--quick`).

    .venv/bin/python benchmarks/test_time.py                       # the shipped connect_four agent
    .venv/bin/python benchmarks/test_time.py --agent runs/c4 --name c4_run
    .venv/bin/python benchmarks/test_time.py --quick               # 40 positions per set, two players
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import DEFAULT_OUT, publish, result_name, setup_process, table

setup_process(threads=None)  # malloc tuning; torch keeps its default threads

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import tyro

from boardzoo.agents.ground_truth import KINDS, evaluate_player, standard_positions
from boardzoo.agents.players import load_agent, parse_spec, player_from_spec

VARIANTS = (
    "network:{agent}",
    "network-sym:{agent}",
    "search:{agent}:32",
    "search-sym:{agent}:32",
    "search:{agent}:64",
    "search-sym:{agent}:64",
    "search:{agent}:128",
)
"""the default players, `{agent}` filled in"""


@dataclass(frozen=True)
class TestTimeConfig:
    """Score test-time variants of one agent against perfect play."""

    agent: str = "connect_four"
    """checkpoint folder, run folder or pretrained agent name"""
    players: tuple[str, ...] = ()
    """player specs to score (default: VARIANTS of `agent`)"""
    count: int = 0
    """positions per set (0 = the game's standard sets)"""
    seed: int = 0
    name: str = ""
    """result file suffix (default: the agent's game id)"""
    quick: bool = False
    """smoke run: 40 positions per set, the network and search-sym with 8 simulations"""
    out: str = DEFAULT_OUT
    """output folder (relative paths are taken from the repository root)"""

    def __post_init__(self) -> None:
        for spec in self.players:
            parse_spec(spec, "players")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 0:
            raise ValueError(f"count must be an int >= 0 (0 = the standard sets), got {self.count!r}")


def evaluations_per_move(spec: str, symmetries: int) -> int:
    """Network evaluations one move of `spec` costs: (simulations + 1) × averaged symmetries."""
    kind, _, simulations = parse_spec(spec)
    return (simulations + 1 if kind.startswith("search") else 1) * (symmetries if kind.endswith("-sym") else 1)


def run(config: TestTimeConfig) -> list[dict]:
    if config.quick:
        quick_players = config.players or ("network:{agent}", "search-sym:{agent}:8")
        config = dataclasses.replace(config, count=40, players=quick_players)
    game = load_agent(config.agent).game
    specs = [spec.format(agent=config.agent) for spec in (config.players or VARIANTS)]
    sets = [standard_positions(game, kind, count=config.count or None, seed=config.seed) for kind in KINDS]
    rows = []
    for spec in specs:
        start = time.perf_counter()
        report = evaluate_player(player_from_spec(game, spec), sets, np.random.default_rng(config.seed), name=spec)
        every, random, strong = (report.row(group) for group in ("all", "random play", "strong play"))
        rows.append(
            {
                "player": spec,
                "evaluations_per_move": evaluations_per_move(spec, len(game.symmetries)),
                "accuracy": every.accuracy,
                "accuracy_random": random.accuracy,
                "accuracy_strong": strong.accuracy,
                "blunders": every.blunders,
                "seconds": time.perf_counter() - start,
            }
        )
        print(f"{spec}: {every.accuracy:.1%} (random {random.accuracy:.1%}, strong {strong.accuracy:.1%})", flush=True)
    columns = ["player", "network evaluations / move", "random", "strong", "all", "blunders", "seconds"]
    cells = [
        [
            f"`{r['player']}`",
            r["evaluations_per_move"],
            f"{r['accuracy_random']:.1%}",
            f"{r['accuracy_strong']:.1%}",
            f"{r['accuracy']:.1%}",
            "–" if r["blunders"] is None else f"{r['blunders']:.1%}",
            f"{r['seconds']:.0f}",
        ]
        for r in rows
    ]
    sizes = " + ".join(f"{len(s)} {s.kind}" for s in sets)
    markdown = "\n".join(
        [
            f"Optimal-move accuracy against perfect play on the standard sets of {game!r} ({sizes} positions), "
            "search with PUCT, most visited move; `-sym` = the network averaged over the board symmetries.",
            "",
            table(columns, cells, align="lrrrrrr"),
        ]
    )
    payload = {"config": dataclasses.asdict(config), "rows": rows}
    publish(result_name(f"test_time_{config.name or game.id}", quick=config.quick), payload, markdown, out=config.out)
    return rows


if __name__ == "__main__":
    run(tyro.cli(TestTimeConfig))
