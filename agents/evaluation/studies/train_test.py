"""Study `train_test`: train-time against test-time compute on solved boards (Jones, "Scaling
Scaling Laws with Board Games", 2021).

For each board and network size (ResNet blocks × channels), an expert-iteration run with a step
budget saves snapshots at geometrically spaced learner steps, recording the train-time FLOPs
spent (`boardzoo.agents.evaluation.studies.common`). Each snapshot then plays with 1, 2, 4, …
simulations of PUCT search against every rung of the `perfect:EPS` ladder (perfect play with a
share EPS of random moves; EPS = 1 is random play), and the rungs play each other. One Elo pool
per board (maximum likelihood, bootstrap intervals over games) is anchored at the perfect player
(0 Elo), so Elo −50 means 50 points short of perfect play.

Outputs: Elo against train FLOPs per size at `reference_simulations` and the compute frontier
(the best Elo any size reaches for a given train compute); Elo against test FLOPs per move
((simulations + 1) × F) for each size's last snapshot; the iso-Elo fit
`log10(test) = m·log10(train) + b·Elo + c` by least squares over the frontier points (players
that no other player matches in Elo with no more train and test compute), leaving out points
within `margin` Elo of perfect or of random play, where Elo saturates; and the train FLOPs
needed to come within `margin` Elo of perfect play, against board size.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from boardzoo.agents.evaluation.arena import ratings_from_records
from boardzoo.agents.evaluation.studies.common import (
    board_cells,
    parse_board,
    quick_solver,
    resnet,
    train_with_snapshots,
)
from boardzoo.agents.evaluation.studies.runner import Cell, CellContext
from boardzoo.agents.models import TorchEvaluator, load_checkpoint
from boardzoo.agents.players import PerfectPlayer, Player, SearchPlayer, play_match
from boardzoo.agents.search import SearchConfig
from boardzoo.agents.solvers import Solver
from boardzoo.agents.training.expert_iteration import EvaluationConfig, LearnerConfig, SelfPlayConfig, TrainConfig
from boardzoo.envs import Game, sample_legal_actions

ANCHOR = "perfect"
ANCHOR_EPSILON = 0.0


@dataclass(frozen=True)
class TrainTestSettings:
    """What the train/test study runs (the full form; `quick()` is the CI form)."""

    boards: tuple[str, ...] = ("hex:3", "hex:4", "hex:5", "connect_four:4x4", "connect_four:4x5")
    """solved boards: hex:N, connect_four:RxC"""
    steps: tuple[int, ...] = (300, 1200, 4800, 1200, 2400)
    """learner steps of each board's training runs (one per board)"""
    sizes: tuple[str, ...] = ("1x8", "1x16", "2x32")
    """ResNet sizes, BLOCKSxCHANNELS"""
    checkpoints: int = 5
    """snapshots per run, at steps / 2**k for k = checkpoints - 1 … 0"""
    simulations: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
    """PUCT simulations each snapshot plays with"""
    reference_simulations: int = 16
    """the simulations of the Elo-vs-train-compute curves"""
    seeds: int = 1
    """training runs per board and size"""
    epsilons: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 1.0)
    """the perfect:EPS ladder (0 = perfect play, the anchor; 1 = random play)"""
    games: int = 48
    """games of each player against each rung (seats alternated)"""
    ladder_games: int = 200
    """games between each pair of rungs"""
    selfplay_batch: int = 64
    selfplay_simulations: int = 16
    learner_batch: int = 128
    min_positions: int = 500
    bootstrap: int = 200
    """bootstrap resamples of the Elo intervals"""
    margin: float = 50.0
    """Elo from perfect play that counts as reaching it (and that the fit leaves out)"""

    def __post_init__(self) -> None:
        if len(self.steps) != len(self.boards):
            raise ValueError(f"give one step budget per board: {len(self.boards)} boards, {len(self.steps)} budgets")
        for board in self.boards:
            parse_board(board)
        for size in self.sizes:
            resnet(size)
        if self.reference_simulations not in self.simulations:
            raise ValueError(f"reference_simulations {self.reference_simulations} is not in simulations")
        if ANCHOR_EPSILON not in self.epsilons or len(self.epsilons) < 2:
            raise ValueError("epsilons must hold 0 (perfect play, the anchor) and at least one other rung")
        if self.games % 2 or self.games < 2:
            raise ValueError(f"games must be even (seats alternate), got {self.games}")
        if min(self.steps) < 2 ** (self.checkpoints - 1) or self.seeds < 1:
            raise ValueError("each step budget must allow checkpoints snapshots (steps >= 2**(checkpoints-1))")

    @classmethod
    def quick(cls) -> TrainTestSettings:
        return cls(
            boards=("hex:2", "hex:3"),
            steps=(8, 16),
            sizes=("1x4", "1x8"),
            checkpoints=2,
            simulations=(1, 4),
            reference_simulations=4,
            epsilons=(0.0, 0.5, 1.0),
            games=4,
            ladder_games=10,
            selfplay_batch=8,
            selfplay_simulations=4,
            learner_batch=16,
            min_positions=32,
            bootstrap=10,
        )


def rung_name(epsilon: float) -> str:
    return ANCHOR if epsilon == 0 else f"perfect:{epsilon:g}"


class TrainTestStudy:
    """The study (see the module docstring)."""

    name = "train_test"

    def __init__(self, settings: TrainTestSettings) -> None:
        self.s = settings

    def settings(self) -> dict[str, Any]:
        return dataclasses.asdict(self.s)

    def targets(self, board: int) -> list[int]:
        steps = self.s.steps[board]
        return [steps // 2**k for k in range(self.s.checkpoints - 1, -1, -1)]

    # -- cells ----------------------------------------------------------------------------
    def cells(self) -> list[Cell]:
        s = self.s
        cells = []
        play_cost = sum(n + 1 for n in s.simulations) / 256
        for b, board in enumerate(s.boards):
            tag, scale = board.replace(":", ""), board_cells(parse_board(board)) / 9
            cells.append(Cell(f"ladder-{tag}", {"kind": "ladder", "board": board}, cost=0.1))
            for size in s.sizes:
                for seed in range(s.seeds):
                    run = f"{tag}-{size}-s{seed}"
                    params = {"board": board, "size": size, "seed": seed, "steps": s.steps[b]}
                    cells.append(Cell(f"train-{run}", {"kind": "train", **params}, cost=s.steps[b] / 100 * scale))
                    for k in range(s.checkpoints):
                        cells.append(
                            Cell(
                                f"play-{run}-c{k}",
                                {"kind": "play", "train": f"train-{run}", "snapshot": k, **params},
                                cost=play_cost * scale,
                                needs=(f"train-{run}",),
                            )
                        )
        return cells

    def run_cell(self, cell: Cell, context: CellContext) -> dict[str, Any]:
        kind = cell.params["kind"]
        game = parse_board(cell.params["board"])
        if kind == "ladder":
            return self._ladder(game, context)
        if kind == "train":
            return self._train(game, cell, context)
        return self._play(game, cell, context)

    def _ladder(self, game: Game, context: CellContext) -> dict[str, Any]:
        solver, rng = quick_solver(game), np.random.default_rng(context.seed)
        players = {rung_name(e): PerfectPlayer(game, e, solver) for e in self.s.epsilons}
        names, games = list(players), {}
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                result = play_match(game, players[a], players[b], self.s.ladder_games, rng)
                games[f"{a}|{b}"] = result.outcome.astype(int).tolist()
        return {"_games": games}

    def _train(self, game: Game, cell: Cell, context: CellContext) -> dict[str, Any]:
        s, board = self.s, self.s.boards.index(cell.params["board"])
        config = TrainConfig(
            game=game.id,
            game_params=dict(game.params),
            minutes=None,
            steps=s.steps[board],
            seed=context.seed,
            threads=context.threads,
            progress_bar=False,
            network=resnet(cell.params["size"]),
            selfplay=SelfPlayConfig(
                batch_size=s.selfplay_batch,
                algorithm="gumbel",
                simulations=s.selfplay_simulations,
                cheap_simulations=s.selfplay_simulations,
                full_search_fraction=1.0,
                max_considered_actions=min(16, game.num_actions),
            ),
            learner=LearnerConfig(
                batch_size=s.learner_batch, learning_rate=2e-3, warmup_steps=min(50, s.steps[board] // 4)
            ),
            evaluation=EvaluationConfig(interval=-1),
            replay_capacity=50_000,
            min_positions=s.min_positions,
            checkpoint_interval=max(1, s.steps[board] // 4),
            keep_checkpoints=1,
            tensorboard=False,
        )
        snapshots = train_with_snapshots(config, context.folder, context.study_folder, steps=self.targets(board))
        return {"snapshots": snapshots}

    def _play(self, game: Game, cell: Cell, context: CellContext) -> dict[str, Any]:
        snapshot = context.results[cell.params["train"]]["snapshots"][cell.params["snapshot"]]
        network = load_checkpoint(context.study_folder / snapshot["path"], game).network
        evaluator = TorchEvaluator(game, network, frozen=True)
        solver, rng = quick_solver(game), np.random.default_rng(context.seed)
        games = {}
        for simulations in self.s.simulations:
            player = SearchPlayer(game, evaluator, SearchConfig(simulations=simulations, rule="puct"))
            games[str(simulations)] = play_gauntlet(game, player, solver, self.s.epsilons, self.s.games, rng)
        return {"snapshot": snapshot, "_games": games}

    # -- report ---------------------------------------------------------------------------
    def report(self, results: dict[str, Any], figure: Path) -> tuple[dict[str, Any], str]:
        from boardzoo.agents.evaluation.studies.train_test_report import report

        return report(self, results, figure)


def play_gauntlet(
    game: Game, player: Player, solver: Solver, epsilons: tuple[float, ...], games: int, rng: np.random.Generator
) -> dict[str, list[int]]:
    """`player` against every `perfect:EPS` rung, `games` games each (seats alternated), all in one
    batch so each of its moves is one search over every game; outcomes (+1 / 0 / −1 for `player`)
    by rung name."""
    count = len(epsilons) * games
    seat = np.tile(np.arange(games) % 2, len(epsilons))
    epsilon = np.repeat(np.asarray(epsilons, np.float64), games)
    perfect = PerfectPlayer(game, 0.0, solver)
    state = game.init(count)
    returns = np.zeros((count, game.num_players), np.float32)
    while not state.done.all():
        mine = (state.current_player == seat) & ~state.done
        theirs = np.flatnonzero(~mine & ~state.done)
        actions = np.full(count, -1, np.int64)
        if mine.any():
            actions[mine] = player.act(state.take(np.flatnonzero(mine)), rng)
        if theirs.size:
            explore = rng.random(theirs.size) < epsilon[theirs]
            actions[theirs] = sample_legal_actions(state.legal_action_mask[theirs], rng)
            solve = theirs[~explore]
            if solve.size:
                actions[solve] = perfect.act(state.take(solve), rng)
        state = game.step(state, actions)
        returns += state.rewards
    outcome = np.sign(returns[np.arange(count), seat]).astype(int)
    return {rung_name(e): outcome[i * games : (i + 1) * games].tolist() for i, e in enumerate(epsilons)}


def pool_ratings(study: TrainTestStudy, results: dict[str, Any], board: str, seed: int = 0) -> Any:
    """The Elo pool of one board: every rung and every (size, seed, snapshot, simulations) player."""
    tag = board.replace(":", "")
    records = []
    for pair, outcomes in results[f"ladder-{tag}"]["_games"].items():
        a, b = pair.split("|")
        records += [{"a": a, "b": b, "outcome_a": o} for o in outcomes]
    for key, result in results.items():
        if key.startswith(f"play-{tag}-"):
            for simulations, by_rung in result["_games"].items():
                name = player_name(key, int(simulations))
                for rung, outcomes in by_rung.items():
                    records += [{"a": name, "b": rung, "outcome_a": o} for o in outcomes]
    return ratings_from_records(records, anchor=ANCHOR, bootstrap=study.s.bootstrap, seed=seed)


def player_name(play_key: str, simulations: int) -> str:
    """ "play-hex4-2x32-s0-c3" with 64 simulations -> "2x32/s0/c3/n64"."""
    _, _, size, seed, snapshot = play_key.rsplit("-", 4)
    return f"{size}/{seed}/{snapshot}/n{simulations}"


def pareto_frontier(train: np.ndarray, test: np.ndarray, elo: np.ndarray) -> np.ndarray:
    """bool[P]: the players no other player matches or beats in Elo with no more train and no more
    test compute (with at least one of the three strictly better)."""
    train, test, elo = (np.asarray(x, np.float64) for x in (train, test, elo))
    no_worse = (train[None, :] <= train[:, None]) & (test[None, :] <= test[:, None]) & (elo[None, :] >= elo[:, None])
    better = (train[None, :] < train[:, None]) | (test[None, :] < test[:, None]) | (elo[None, :] > elo[:, None])
    return ~(no_worse & better).any(axis=1)


def fit_iso_elo(train: np.ndarray, test: np.ndarray, elo: np.ndarray) -> tuple[float, float, float]:
    """(m, b, c) of log10(test) = m·log10(train) + b·Elo + c by least squares over the points."""
    train, test, elo = (np.asarray(x, np.float64) for x in (train, test, elo))
    if train.size < 3:
        raise ValueError(f"the iso-Elo fit needs at least 3 points, got {train.size}")
    design = np.column_stack([np.log10(train), elo, np.ones_like(elo)])
    (m, b, c), *_ = np.linalg.lstsq(design, np.log10(test), rcond=None)
    return float(m), float(b), float(c)


def fit_frontier(
    train: np.ndarray,
    test: np.ndarray,
    elo: np.ndarray,
    *,
    low: float,
    high: float,
    rng: np.random.Generator,
    resamples: int = 500,
) -> dict[str, Any] | None:
    """The iso-Elo fit over the frontier points with `low` < Elo < `high`, with a 95% bootstrap
    interval of m (points resampled); None with fewer than 4 such points or no spread in train
    compute."""
    train, test, elo = (np.asarray(x, np.float64) for x in (train, test, elo))
    keep = pareto_frontier(train, test, elo) & (elo > low) & (elo < high)
    points = np.flatnonzero(keep)
    if points.size < 4 or np.unique(train[points]).size < 2:
        return None
    m, b, c = fit_iso_elo(train[points], test[points], elo[points])
    predicted = m * np.log10(train[points]) + b * elo[points] + c
    residual = np.log10(test[points]) - predicted
    total = np.log10(test[points]) - np.log10(test[points]).mean()
    slopes = []
    for _ in range(resamples):
        pick = rng.choice(points, size=points.size)
        if np.unique(train[pick]).size >= 2 and np.unique(elo[pick]).size >= 2:
            slopes.append(fit_iso_elo(train[pick], test[pick], elo[pick])[0])
    m_low, m_high = np.percentile(slopes, [2.5, 97.5]) if slopes else (math.nan, math.nan)
    return {
        "m": m,
        "b": b,
        "c": c,
        "m_low": float(m_low),
        "m_high": float(m_high),
        "points": int(points.size),
        "r2": float(1 - (residual**2).sum() / max((total**2).sum(), 1e-12)),
        "frontier": points.tolist(),
    }
