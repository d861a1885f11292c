"""What several studies share: board specs, expert-iteration training with snapshots and a count
of its compute, scoring against perfect play position by position, bootstrap intervals, plots.

Train-time compute of an expert-iteration network (FLOPs, `train_flops`):

    learner_steps × batch_size × 3 × F  +  selfplay_evaluations × F

where F = `flops_per_evaluation(network)` (one forward pass on one position), a learner step is
a forward and a backward pass (≈ 3 forward passes) over `batch_size` positions, and
selfplay_evaluations = games_in_batch × Σ over self-play moves (simulations of that move + 1): a
search evaluates its B roots once, then B leaves per simulation. Evaluation and checkpoints are
not counted. Test-time compute of a searching player is (simulations + 1) × F per move.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from boardzoo.agents.ground_truth import KINDS, PositionSet, score_moves, standard_positions
from boardzoo.agents.models import NetworkConfig, flops_per_evaluation, read_config, save_checkpoint
from boardzoo.agents.players import Player
from boardzoo.agents.solvers import Solver, quick_solver_for
from boardzoo.agents.training.expert_iteration.train import TrainConfig, Trainer
from boardzoo.agents.training.run import Progress, StopSignal
from boardzoo.envs import Game, make


def parse_board(spec: str) -> Game:
    """A solved board from its spec: "hex:4" (Hex 4×4, no swap), "connect_four:5x4" (rows × columns,
    four in a row), "tic_tac_toe"."""
    kind, _, size = spec.partition(":")
    try:
        if kind == "hex" and size.isdigit():
            return make("hex", board_size=int(size), swap=False)
        if kind == "connect_four" and "x" in size:
            rows, columns = (int(x) for x in size.split("x"))
            return make("connect_four", rows=rows, columns=columns)
        if kind == "tic_tac_toe" and not size:
            return make("tic_tac_toe")
    except ValueError as error:
        raise ValueError(f"bad board {spec!r}: {error}") from None
    raise ValueError(f"bad board {spec!r}; use hex:N, connect_four:RxC or tic_tac_toe")


def resnet(size: str) -> NetworkConfig:
    """A ResNet from "BLOCKSxCHANNELS" (e.g. "2x32"), with a 32-unit value head."""
    blocks, _, channels = size.partition("x")
    if not (blocks.isdigit() and channels.isdigit()):
        raise ValueError(f"bad network size {size!r}; use BLOCKSxCHANNELS, e.g. 2x32")
    return NetworkConfig(kind="resnet", blocks=int(blocks), channels=int(channels), value_hidden=32)


def board_cells(game: Game) -> int:
    """Cells of a board (its size for the compute-vs-board plots)."""
    return int(np.prod(game.observation_shape[1:]))


def quick_solver(game: Game) -> Solver:
    solver = quick_solver_for(game)
    if solver is None:
        raise ValueError(f"{game!r} has no quick solver (Hex up to 5×5, Connect Four up to 30 cells)")
    return solver


def position_sets(game: Game, count: int | None) -> list[PositionSet]:
    """The standard random-play and strong-play sets of a solved board (`count` positions each,
    None = the standard size)."""
    solver = quick_solver(game)
    return [standard_positions(game, kind, count=count, solver=solver) for kind in KINDS]


def optimal_moves(
    player: Player, sets: Sequence[PositionSet], rng: np.random.Generator, batch: int = 512
) -> np.ndarray:
    """bool[N]: whether the player's move keeps each position's value (sets concatenated in order)."""
    hits = []
    for positions in sets:
        states = positions.states()
        actions = np.concatenate(
            [
                player.act(states.take(np.arange(i, min(i + batch, len(positions)))), rng)
                for i in range(0, len(positions), batch)
            ]
        )
        hits.append(score_moves(positions.values, positions.distances, actions).optimal)
    return np.concatenate(hits)


def wilson_interval(rate: float, trials: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a rate measured over `trials` independent trials (games,
    positions); (0, 1) without trials."""
    if trials == 0:
        return (0.0, 1.0)
    centre = (rate + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(rate * (1 - rate) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap_mean(values: np.ndarray, rng: np.random.Generator, resamples: int = 1000) -> tuple[float, float, float]:
    """Mean of `values` (the first axis is resampled) and its 95% percentile-bootstrap interval;
    a single value gets a zero-width interval."""
    values = np.asarray(values, np.float64)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, mean, mean
    picks = rng.integers(0, len(values), size=(resamples, len(values)))
    means = values[picks].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return mean, float(low), float(high)


class ComputeSnapshots:
    """A training callback that saves the network at learner-step or budget-fraction targets,
    recording the train-time compute and training seconds spent so far (see the module docstring).

    Args:
      folder: snapshots go to `folder/snap_<index>`.
      game: the game trained.
      config: the training run's config.
      steps: learner-step targets (exclusive with `fractions`).
      fractions: budget-fraction targets.
    """

    def __init__(
        self,
        folder: Path,
        game: Game,
        config: TrainConfig,
        *,
        steps: Sequence[int] = (),
        fractions: Sequence[float] = (),
    ) -> None:
        self.folder, self.game, self.config = folder, game, config
        self.by_steps = bool(steps)
        self.targets = list(steps) if steps else list(fractions)
        self.trainer: Trainer | None = None
        self.pending = [i for i in range(len(self.targets)) if not (self.path(i) / "config.json").is_file()]

    def path(self, index: int) -> Path:
        return self.folder / f"snap_{index}"

    def selfplay_evaluations(self) -> int:
        assert self.trainer is not None
        selfplay, play = self.trainer.selfplay, self.config.selfplay
        cheap_moves = selfplay.moves - selfplay.full_moves
        per_batch = selfplay.full_moves * (play.simulations + 1) + cheap_moves * (play.cheap_simulations + 1)
        return play.batch_size * per_batch

    def __call__(self, progress: Progress) -> None:
        value = progress.step if self.by_steps else progress.fraction
        while self.pending and value >= self.targets[self.pending[0]] - 1e-9:
            index = self.pending.pop(0)
            flops = flops_per_evaluation(progress.network)
            evaluations = self.selfplay_evaluations()
            learner = progress.step * self.config.learner.batch_size * 3 * flops
            save_checkpoint(
                self.path(index),
                self.game,
                progress.network,
                step=progress.step,
                extra={
                    "snapshot": index,
                    "target": self.targets[index],
                    "seconds": progress.seconds,
                    "selfplay_evaluations": evaluations,
                    "train_flops": learner + evaluations * flops,
                    "flops_per_evaluation": flops,
                },
            )


def train_with_snapshots(
    config: TrainConfig, folder: Path, root: Path, *, steps: Sequence[int] = (), fractions: Sequence[float] = ()
) -> list[dict[str, Any]]:
    """Train (or resume) in `folder/run`, saving snapshots at the targets; returns each snapshot's
    record (path relative to `root`, step, seconds, train FLOPs), in target order."""
    config = dataclasses.replace(config, out=str(folder / "run"))
    game = make(config.game, **config.game_params)
    snapshots = ComputeSnapshots(folder, game, config, steps=steps, fractions=fractions)
    if snapshots.pending:
        trainer = Trainer(config, callbacks=[snapshots])
        snapshots.trainer = trainer
        with StopSignal() as stop:  # a stopped run ends the study (its cell resumes the run)
            trainer.run()
        stop.raise_if_requested(f"training in {folder}")
    records = []
    for index in range(len(snapshots.targets)):
        path = snapshots.path(index)
        if not (path / "config.json").is_file():  # a target the run never reached (a stopped run)
            raise RuntimeError(
                f"training in {folder} ended before snapshot {index} (target {snapshots.targets[index]})"
            )
        extra = read_config(path)
        records.append(
            {
                "path": str(path.relative_to(root)),
                "step": extra["step"],
                **{k: extra[k] for k in ("seconds", "selfplay_evaluations", "train_flops", "flops_per_evaluation")},
            }
        )
    return records


def log_ticks(values: Sequence[float]) -> list[float]:
    """Powers of ten spanning `values` (for labelled log axes)."""
    finite = [v for v in values if v > 0 and math.isfinite(v)]
    if not finite:
        return []
    low, high = math.floor(math.log10(min(finite))), math.ceil(math.log10(max(finite)))
    return [10.0**k for k in range(low, high + 1)]


def pyplot() -> Any:
    """matplotlib's pyplot on the file-only backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
