"""How strong is a trained agent? Its score against the UCT ladder, seats alternated.

Plays the agent (a checkpoint, run folder or pretrained name) with search (`simulations`,
deterministic root choice) and without search (the network's most probable move) against
`UCTPlayer` with each rollout budget in `uct` (and uniform random play), `games` games per
pairing, half in each seat. Prints wins/draws/losses, the score (win 1, draw 0.5) with a
95% Wilson interval, and saves `benchmarks/results/strength_<name>.{json,md}`.

    .venv/bin/python benchmarks/agent_strength.py --agent connect_four --uct 200 1000
    .venv/bin/python benchmarks/agent_strength.py --agent runs/hex --uct 1000 --games 200
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import tyro
from _report import environment_info, write_results

from boardzoo.agents.agent_loading import load_agent, resolve_checkpoint
from boardzoo.agents.expert_iteration.evaluation import search_player
from boardzoo.agents.match import play_match
from boardzoo.agents.network_evaluator import NetworkPlayer
from boardzoo.agents.players import Player, RandomPlayer, UCTPlayer


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


def wilson_interval(score: float, games: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a rate measured over `games` games."""
    if games == 0:
        return (0.0, 1.0)
    centre = (score + z * z / (2 * games)) / (1 + z * z / games)
    half = z * math.sqrt(score * (1 - score) / games + z * z / (4 * games * games)) / (1 + z * z / games)
    return (max(0.0, centre - half), min(1.0, centre + half))


def run(config: StrengthConfig) -> list[dict]:
    checkpoint = load_agent(config.agent)
    game = checkpoint.game
    search = search_player(game, checkpoint.network, config.simulations, config.algorithm)
    agents: dict[str, Player] = {f"{config.algorithm}{config.simulations}": search}
    if config.network_only:
        agents["network"] = NetworkPlayer(game, checkpoint.network)
    opponents: dict[str, Player] = {"random": RandomPlayer()} if config.random else {}
    for simulations in config.uct:
        opponents[f"uct{simulations}"] = UCTPlayer(game, num_simulations=simulations)
    rng = np.random.default_rng(config.seed)
    rows = []
    for agent_name, agent in agents.items():
        for opponent_name, opponent in opponents.items():
            start = time.perf_counter()
            result = play_match(game, agent, opponent, config.games, rng)
            low, high = wilson_interval(result.score, config.games)
            rows.append({"agent": agent_name, "opponent": opponent_name, "games": config.games, "wins": result.wins,
                         "draws": result.draws, "losses": result.losses, "score": result.score,
                         "score_low": low, "score_high": high, "seconds": time.perf_counter() - start})  # fmt: skip
            print(f"{agent_name} vs {opponent_name}: {result.wins}/{result.draws}/{result.losses} "
                  f"score {result.score:.3f} [{low:.3f}, {high:.3f}]", flush=True)  # fmt: skip
    lines = [
        f"Agent `{resolve_checkpoint(config.agent)}` ({game!r}, learner step {checkpoint.step}); "
        f"{config.games} games per pairing, seats alternated.",
        "",
        "| agent | opponent | wins | draws | losses | score | 95% interval |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(f"| {r['agent']} | {r['opponent']} | {r['wins']} | {r['draws']} | {r['losses']} | "
                     f"{r['score']:.3f} | [{r['score_low']:.3f}, {r['score_high']:.3f}] |")  # fmt: skip
    markdown = "\n".join(lines)
    print(markdown)
    payload = {"config": dataclasses.asdict(config), "checkpoint": checkpoint.config, "rows": rows}
    write_results(f"strength_{config.name or game.id}", payload, markdown, environment=environment_info())
    return rows


if __name__ == "__main__":
    run(tyro.cli(StrengthConfig))
