"""How strong is a trained agent? Its score against the UCT ladder, seats alternated.

Plays the agent (a checkpoint, run folder or pretrained name) with search (`simulations`,
deterministic root choice) and without search (the network's most probable move) against
`UCTPlayer` with each rollout budget in `uct` (and uniform random play), `games` games per
pairing, half in each seat. Prints wins/draws/losses, the score (win 1, draw 0.5) with a
95% Wilson interval, and saves `benchmarks/results/strength_<name>.{json,md}`
(`strength_<name>_quick.*` for `--quick` runs).

    .venv/bin/python benchmarks/agent_strength.py --agent connect_four --uct 200 1000
    .venv/bin/python benchmarks/agent_strength.py --agent runs/hex --uct 1000 --games 200
    .venv/bin/python benchmarks/agent_strength.py --quick    # smoke run: 4 games vs random and UCT 16
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

from boardzoo.agents.evaluation.studies.common import wilson_interval
from boardzoo.agents.players import (
    Player,
    RandomPlayer,
    UCTPlayer,
    load_agent,
    network_player,
    play_match,
    resolve_checkpoint,
)

# --quick: a few games against a weak ladder, with little search.
QUICK = {"games": 4, "uct": (16,), "simulations": 8}


@dataclass(frozen=True)
class StrengthConfig:
    """Score a trained agent against random play and a UCT ladder."""

    agent: str = "connect_four"
    """checkpoint folder, run folder or pretrained agent name"""
    simulations: int = 64
    """search simulations of the agent per move"""
    algorithm: str = "puct"
    """"puct" (most visited move) or "gumbel" (deterministic Gumbel)"""
    uct: tuple[int, ...] = (200, 1000)
    """UCT rollout budgets to play against"""
    games: int = 200
    """games per pairing (seats alternated)"""
    random: bool = True
    """also play uniform random"""
    network_only: bool = True
    """also score the network without search"""
    seed: int = 0
    name: str = ""
    """result file suffix (default: the agent's game id)"""
    quick: bool = False
    """smoke run: 4 games per pairing, UCT 16 only, 8 simulations; saved as strength_<name>_quick"""
    out: str = DEFAULT_OUT
    """output folder (relative paths are taken from the repository root)"""


def run(config: StrengthConfig) -> list[dict]:
    settings = dataclasses.replace(config, **QUICK) if config.quick else config
    checkpoint = load_agent(settings.agent)
    game = checkpoint.game
    search = network_player(game, checkpoint.network, simulations=settings.simulations, algorithm=settings.algorithm)
    agents: dict[str, Player] = {f"{settings.algorithm}{settings.simulations}": search}
    if settings.network_only:
        agents["network"] = network_player(game, checkpoint.network, simulations=0)
    opponents: dict[str, Player] = {"random": RandomPlayer()} if settings.random else {}
    for simulations in settings.uct:
        opponents[f"uct{simulations}"] = UCTPlayer(game, simulations=simulations)
    rng = np.random.default_rng(settings.seed)
    rows = []
    for agent_name, agent in agents.items():
        for opponent_name, opponent in opponents.items():
            start = time.perf_counter()
            result = play_match(game, agent, opponent, settings.games, rng)
            low, high = wilson_interval(result.score, settings.games)
            counts = {"wins": result.wins, "draws": result.draws, "losses": result.losses, "score": result.score}
            rows.append(
                {
                    "agent": agent_name,
                    "opponent": opponent_name,
                    "games": settings.games,
                    **counts,
                    "score_low": low,
                    "score_high": high,
                    "seconds": time.perf_counter() - start,
                }
            )
            print(
                f"{agent_name} vs {opponent_name}: {result.wins}/{result.draws}/{result.losses} "
                f"score {result.score:.3f} [{low:.3f}, {high:.3f}]",
                flush=True,
            )
    cells = [
        [
            r["agent"],
            r["opponent"],
            r["wins"],
            r["draws"],
            r["losses"],
            f"{r['score']:.3f}",
            f"[{r['score_low']:.3f}, {r['score_high']:.3f}]",
        ]
        for r in rows
    ]
    columns = ["agent", "opponent", "wins", "draws", "losses", "score", "95% interval"]
    markdown = "\n".join(
        [
            f"Agent `{resolve_checkpoint(settings.agent)}` ({game!r}, learner step {checkpoint.step}); "
            f"{settings.games} games per pairing, seats alternated.",
            "",
            table(columns, cells, align="llrrrrl"),
        ]
    )
    payload = {"config": dataclasses.asdict(settings), "checkpoint": checkpoint.config, "rows": rows}
    name = result_name(f"strength_{settings.name or game.id}", quick=settings.quick)
    publish(name, payload, markdown, out=settings.out)
    return rows


if __name__ == "__main__":
    run(tyro.cli(StrengthConfig))
