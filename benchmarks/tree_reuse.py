"""What is tree reuse worth at play time? One agent with the same search, reuse off and on.

Plays the agent (a checkpoint, run folder or pretrained name) with PUCT at each simulation count
in `simulations`, once with a fresh tree every move and once reusing the subtree of its
previous search (`SearchPlayer(reuse_tree=True)`), `games` games against `opponent` (a player
spec; default a perfect player that plays a random move a quarter of the time, so that games
differ), seats alternated, the same seed for both. Reports the score (win 1, draw 0.5) and,
where the game has a quick solver, the share of the agent's own moves that keep the
position's perfect-play value, each with a 95% Wilson interval (the moves' interval treats
them as independent, which moves of one game are not: the true interval is wider), and the mean
visits a root's children already hold when its search starts (0 without reuse). Saves
`benchmarks/results/tree_reuse_<name>.{json,md}` (`_quick` for `--quick`).

    .venv/bin/python benchmarks/tree_reuse.py                        # connect_four, 16 and 64
    .venv/bin/python benchmarks/tree_reuse.py --simulations 8 32 --games 500
    .venv/bin/python benchmarks/tree_reuse.py --quick                # smoke run
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import DEFAULT_OUT, check_positive, publish, result_name, setup_process, table

setup_process(threads=None)  # malloc tuning; torch keeps its default threads

import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import tyro

from boardzoo.agents.evaluation.studies.common import wilson_interval
from boardzoo.agents.models.evaluator import TorchEvaluator
from boardzoo.agents.players import SearchPlayer, load_agent, play_match, resolve_checkpoint
from boardzoo.agents.players.specs import player_from_spec
from boardzoo.agents.search import SearchConfig
from boardzoo.agents.solvers import Solver, quick_solver_for
from boardzoo.envs import State

QUICK = {"games": 4, "simulations": (8,)}


@dataclass(frozen=True)
class TreeReuseConfig:
    """Play one agent with and without tree reuse against the same opponent."""

    agent: str = "connect_four"
    """checkpoint folder, run folder or pretrained agent name"""
    simulations: tuple[int, ...] = (16, 64)
    """PUCT simulations per move (one pair of rows each)"""
    opponent: str = "perfect:0.25"
    """the opponent, as a player spec (`boardzoo arena --help` lists them)"""
    games: int = 300
    """games per row (seats alternated)"""
    seed: int = 0
    name: str = ""
    """result file suffix (default: the agent's game id)"""
    quick: bool = False
    """smoke run: 4 games, 8 simulations"""
    out: str = DEFAULT_OUT
    """output folder (relative paths are taken from the repository root)"""


class _Watched:
    """Plays as `player`, counting its optimal moves (when a solver is given) and the visits
    its roots' children held before each search (a root ends a search with N = inherited + 1 +
    simulations visits: its own evaluation, then one per simulation)."""

    def __init__(self, player: SearchPlayer, solver: Solver | None, simulations: int) -> None:
        self.player, self.solver, self.simulations = player, solver, simulations
        self.moves = self.optimal = 0
        self.inherited = 0

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray:
        actions = self.player.act(state, rng)
        live = np.flatnonzero(~state.done)
        assert self.player.last_search is not None
        root_visits = self.player.last_search.tree.node_visits[live, 0]
        self.inherited += int((root_visits - self.simulations - 1).sum())
        self.moves += live.size
        if self.solver is not None and live.size:
            solution = self.solver.solve(state.take(live))
            self.optimal += int(solution.optimal()[np.arange(live.size), actions[live]].sum())
        return actions


def run(config: TreeReuseConfig) -> list[dict]:
    settings = dataclasses.replace(config, **QUICK) if config.quick else config
    check_positive("simulations", settings.simulations)
    check_positive("games", (settings.games,))
    checkpoint = load_agent(settings.agent)
    game = checkpoint.game
    solver = quick_solver_for(game)
    opponent = player_from_spec(game, settings.opponent)
    rows = []
    for simulations in settings.simulations:
        for reuse in (False, True):
            evaluator = TorchEvaluator(game, checkpoint.network, "cpu", frozen=True)
            search = SearchPlayer(game, evaluator, SearchConfig(simulations=simulations, rule="puct"), reuse_tree=reuse)
            agent = _Watched(search, solver, simulations)
            start = time.perf_counter()
            result = play_match(game, agent, opponent, settings.games, np.random.default_rng(settings.seed))
            low, high = wilson_interval(result.score, settings.games)
            row = {
                "simulations": simulations,
                "reuse": reuse,
                "games": settings.games,
                "wins": result.wins,
                "draws": result.draws,
                "losses": result.losses,
                "score": result.score,
                "score_low": low,
                "score_high": high,
                "moves": agent.moves,
                "inherited_visits": agent.inherited / max(agent.moves, 1),
                "seconds": time.perf_counter() - start,
            }
            if solver is not None:
                rate = agent.optimal / max(agent.moves, 1)
                low_rate, high_rate = wilson_interval(rate, agent.moves)
                row |= {"optimal": rate, "optimal_low": low_rate, "optimal_high": high_rate}
            rows.append(row)
            optimal = f", optimal moves {row['optimal']:.3f}" if solver is not None else ""
            print(
                f"PUCT-{simulations} reuse={'on' if reuse else 'off'}: {result.wins}/{result.draws}/{result.losses} "
                f"score {result.score:.3f} [{low:.3f}, {high:.3f}]{optimal} ({row['seconds']:.0f} s)",
                flush=True,
            )
    cells = [
        [
            f"PUCT-{r['simulations']}",
            "on" if r["reuse"] else "off",
            f"{r['wins']} / {r['draws']} / {r['losses']}",
            f"{r['score']:.3f} [{r['score_low']:.3f}, {r['score_high']:.3f}]",
            f"{100 * r['optimal']:.1f}% [{100 * r['optimal_low']:.1f}, {100 * r['optimal_high']:.1f}]"
            if "optimal" in r
            else "–",
            r["moves"],
            f"{r['inherited_visits']:.1f}",
        ]
        for r in rows
    ]
    columns = ["search", "reuse", "W / D / L", "score", "optimal moves", "moves", "visits at start"]
    markdown = "\n".join(
        [
            f"Agent `{resolve_checkpoint(settings.agent)}` ({game!r}, learner step {checkpoint.step}) against "
            f"`{settings.opponent}`, {settings.games} games per row, seats alternated, seed {settings.seed}. "
            "score: win 1, draw 0.5; optimal moves: the share of the agent's moves that keep the position's "
            "perfect-play value (solver); intervals: 95% Wilson (over games for the score; over moves, taken "
            "as independent, for optimal moves: too narrow, since moves of one game are not); visits at start: "
            "mean visits a root's children already held from an earlier search when its own began.",
            "",
            table(columns, cells, align="llllrrr"),
        ]
    )
    payload = {"config": dataclasses.asdict(settings), "rows": rows}
    name = result_name(f"tree_reuse_{settings.name or game.id}", quick=settings.quick)
    publish(name, payload, markdown, out=settings.out)
    return rows


if __name__ == "__main__":
    run(tyro.cli(TreeReuseConfig))
