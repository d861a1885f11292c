"""The expert-iteration loop behind `boardzoo train`: self-play → replay → learner →
checkpoint → evaluation, with exact resume.

Each iteration plays one move in all B self-play games, adds the games that ended to the
replay buffer, then runs the learner steps that keep `reuse` (positions trained per position
generated). Self-play and learning alternate in one process, so a seed fixes the whole run;
both use every core through torch's intra-op threads (`threads`), and the time each takes is
logged. Checkpoints hold the network, optimizer, every RNG, the replay buffer and the live
games, so a run killed at any moment resumes from its last checkpoint and produces the same
later checkpoints as a run never interrupted (with a `steps` budget; a `minutes` budget
depends on the clock). Ctrl-C or SIGTERM finish the current iteration, checkpoint and exit.

    OUT/checkpoints/step_00000400/   see `boardzoo.agents.checkpoint`
    OUT/latest                       name of the newest checkpoint
    OUT/metrics.jsonl                one JSON object per log interval / evaluation
    OUT/tensorboard/                 the same scalars for TensorBoard
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from boardzoo.agents.checkpoint import (
    CheckpointError,
    load_arrays,
    load_checkpoint,
    load_training_state,
    save_checkpoint,
)
from boardzoo.agents.expert_iteration.evaluation import evaluate_network
from boardzoo.agents.expert_iteration.learner import Learner, LearnerConfig, augment
from boardzoo.agents.expert_iteration.replay import SAMPLING, ReplayBuffer
from boardzoo.agents.expert_iteration.selfplay import SelfPlay, SelfPlayConfig
from boardzoo.agents.network_evaluator import TorchEvaluator
from boardzoo.agents.networks import NetworkConfig, build_network, count_parameters, flops_per_evaluation
from boardzoo.envs import make

BUDGET_FIELDS = ("minutes", "steps", "progress_bar")


@dataclass(frozen=True)
class TrainConfig:
    """Train an AlphaZero-style agent by expert iteration (search teaches the network)."""

    game: str = "connect_four"
    """game id (see boardzoo.envs.available_games())"""
    game_params: dict[str, int] = field(default_factory=dict)
    """game parameters, e.g. board_size 7"""
    out: str = "runs/connect_four"
    """run folder (checkpoints, logs); an existing run there is resumed"""
    minutes: float | None = 30.0
    """wall-clock budget (None = steps only)"""
    steps: int | None = None
    """learner-step budget (None = minutes only); the run stops at whichever comes first"""
    seed: int = 0
    """seeds network init, self-play and sampling"""
    device: str = "cpu"
    """torch device for the network ("cpu", "cuda", "cuda:1", ...)"""
    threads: int = 0
    """torch intra-op threads (0 = every core)"""
    network: NetworkConfig = field(default_factory=NetworkConfig)
    selfplay: SelfPlayConfig = field(default_factory=SelfPlayConfig)
    learner: LearnerConfig = field(default_factory=LearnerConfig)
    replay_capacity: int = 100_000
    """replay window in positions"""
    replay_sampling: str = "position"
    """"position" (uniform over positions) or "game" (uniform game, then position)"""
    reuse: float = 4.0
    """positions trained per position generated (sampling reuse ratio)"""
    min_positions: int = 2_000
    """positions in the buffer before learning starts"""
    checkpoint_interval: int = 250
    """learner steps between checkpoints"""
    keep_checkpoints: int = 3
    """newest checkpoints kept (older ones are deleted)"""
    log_interval: int = 25
    """learner steps between metric lines"""
    eval_interval: int = 1_000
    """learner steps between evaluations (0 = only at the end; negative = never)"""
    eval_games: int = 40
    """games per opponent (seats alternated)"""
    eval_simulations: int = 32
    """simulations of the evaluated search player"""
    eval_algorithm: str = "puct"
    """search of the evaluated player: "puct" (most visited move) or "gumbel" (no noise)"""
    eval_uct_simulations: tuple[int, ...] = (100,)
    """UCT ladder rungs (rollout simulations) the agent is evaluated against, besides random"""
    tensorboard: bool = True
    """also write TensorBoard scalars"""
    progress_bar: bool = True
    """show a progress bar with ETA"""

    def __post_init__(self) -> None:
        if self.minutes is None and self.steps is None:
            raise ValueError("give a budget: minutes, steps, or both")
        if self.minutes is not None and self.minutes <= 0:
            raise ValueError(f"minutes must be positive, got {self.minutes}")
        if self.steps is not None and self.steps < 1:
            raise ValueError(f"steps must be positive, got {self.steps}")
        if self.replay_sampling not in SAMPLING:
            raise ValueError(f"replay_sampling must be one of {SAMPLING}, got {self.replay_sampling!r}")
        if self.reuse <= 0 or self.checkpoint_interval < 1 or self.keep_checkpoints < 1 or self.log_interval < 1:
            raise ValueError("reuse, checkpoint_interval, keep_checkpoints and log_interval must be positive")
        if self.eval_algorithm not in ("puct", "gumbel"):
            raise ValueError(f"eval_algorithm must be 'puct' or 'gumbel', got {self.eval_algorithm!r}")
        if self.threads < 0:
            raise ValueError(f"threads must be >= 0, got {self.threads}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        data = dict(data)
        data["network"] = NetworkConfig(**data["network"])
        data["selfplay"] = SelfPlayConfig(**data["selfplay"])
        data["learner"] = LearnerConfig(**data["learner"])
        data["eval_uct_simulations"] = tuple(data["eval_uct_simulations"])
        return cls(**data)


@dataclass
class _Clock:
    """Seconds spent per part of the loop, carried across resumes."""

    elapsed: float = 0.0
    search: float = 0.0
    network: float = 0.0
    learner: float = 0.0
    evaluation: float = 0.0
    checkpoint: float = 0.0


class Trainer:
    """Runs (or resumes) one expert-iteration run; see the module docstring."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.out = Path(config.out)
        self.game = make(config.game, **config.game_params)
        self.device = torch.device(config.device)
        torch.set_num_threads(config.threads or os.cpu_count() or 1)
        torch.manual_seed(config.seed)
        self.network = build_network(config.network, self.game.observation_shape, self.game.num_actions)
        self.network.to(self.device).eval()
        self.learner = Learner(self.network, config.learner, self.device)
        self.evaluator = TorchEvaluator(self.game, self.network, self.device)
        seeds = np.random.SeedSequence(config.seed).spawn(2)
        self.selfplay_rng = np.random.default_rng(seeds[0])
        self.learner_rng = np.random.default_rng(seeds[1])
        self.selfplay = SelfPlay(self.game, self.evaluator, config.selfplay, self.selfplay_rng)
        self.replay = ReplayBuffer(config.replay_capacity, self.game.observation_shape, self.game.num_actions)
        self.clock = _Clock()
        self.last_evaluation_step = 0
        self._stop_requested = False
        self._metrics: list[dict[str, float]] = []
        self._writer: Any = None
        self.iteration_hook: Any = None
        """called as hook(trainer) after every iteration and once at the end (snapshots for comparisons)"""

    # -- budget ---------------------------------------------------------------------------
    def progress(self) -> float:
        """Fraction of the budget used (the larger of steps and minutes)."""
        fractions = []
        if self.config.steps is not None:
            fractions.append(self.learner.steps / self.config.steps)
        if self.config.minutes is not None:
            fractions.append(self.clock.elapsed / (60 * self.config.minutes))
        return min(1.0, max(fractions))

    def done(self) -> bool:
        return self.progress() >= 1.0

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> Path:
        """Train until the budget is spent or a stop is requested; returns the last checkpoint."""
        self.out.mkdir(parents=True, exist_ok=True)
        resumed = self._resume_if_possible()
        self._write_run_info(resumed)
        previous_handlers = self._install_signal_handlers()
        bar = self._progress_bar()
        last_checkpoint = None
        try:
            # Learning comes first in an iteration, so a run resumed from a checkpoint taken
            # between learner steps goes on with the steps still due, as the original did.
            while True:
                last_checkpoint = self._learn() or last_checkpoint
                if self.done() or self._stop_requested:
                    break
                self._selfplay_move()
                self._update_bar(bar)
                if self.iteration_hook is not None:
                    self.iteration_hook(self)
            if self.config.eval_interval >= 0 and self.last_evaluation_step != self.learner.steps and self.done():
                self._evaluate()
            last_checkpoint = self._checkpoint()
            if self.iteration_hook is not None:
                self.iteration_hook(self)
        finally:
            bar.close()
            for signum, handler in previous_handlers.items():
                signal.signal(signum, handler)
            if self._writer is not None:
                self._writer.close()
        return last_checkpoint

    def _selfplay_move(self) -> None:
        start = time.perf_counter()
        network_before = self.evaluator.forward_seconds
        search_before = self.selfplay.search_seconds
        for positions in self.selfplay.play_move():
            self.replay.add_game(positions)
        network = self.evaluator.forward_seconds - network_before
        self.clock.network += network
        self.clock.search += self.selfplay.search_seconds - search_before - network
        self.clock.elapsed += time.perf_counter() - start

    def _learn(self) -> Path | None:
        config = self.config
        if len(self.replay) < config.min_positions:
            return None
        due = int(config.reuse * self.replay.positions_added / config.learner.batch_size) - self.learner.steps
        checkpoint = None
        while due > 0 and not self.done():
            due -= 1
            start = time.perf_counter()
            batch = self.replay.sample(config.learner.batch_size, self.learner_rng, by=config.replay_sampling)
            if config.learner.augment:
                batch = augment(self.game, batch, self.learner_rng)
            metrics = self.learner.train_step(batch, self.progress())
            self.clock.learner += time.perf_counter() - start
            self._metrics.append(metrics)
            step = self.learner.steps
            if step % config.log_interval == 0:
                self._log_metrics()
            if config.eval_interval > 0 and step % config.eval_interval == 0:
                self._evaluate()
            if step % config.checkpoint_interval == 0:
                checkpoint = self._checkpoint()
            self.clock.elapsed += time.perf_counter() - start
        return checkpoint

    # -- logging --------------------------------------------------------------------------
    def _log_metrics(self) -> None:
        averaged = {name: float(np.mean([m[name] for m in self._metrics])) for name in self._metrics[0]}
        self._metrics.clear()
        clock = self.clock
        record = {
            "kind": "train",
            "step": self.learner.steps,
            "elapsed_s": clock.elapsed,
            "positions": self.replay.positions_added,
            "games": self.replay.games_added,
            "selfplay_moves": self.selfplay.moves,
            "positions_per_s": self.replay.positions_added / max(clock.elapsed, 1e-9),
            "time_search_s": clock.search,
            "time_network_s": clock.network,
            "time_learner_s": clock.learner,
            "time_evaluation_s": clock.evaluation,
            "time_checkpoint_s": clock.checkpoint,
            **averaged,
        }
        self._write_record(record)

    def _evaluate(self) -> None:
        config = self.config
        start = time.perf_counter()
        scores = evaluate_network(self.game, self.network, simulations=config.eval_simulations,
                                  algorithm=config.eval_algorithm, uct_simulations=config.eval_uct_simulations,
                                  num_games=config.eval_games, seed=config.seed * 1_000_003 + self.learner.steps,
                                  device=self.device)  # fmt: skip
        self.clock.evaluation += time.perf_counter() - start
        self.last_evaluation_step = self.learner.steps
        self._write_record({"kind": "evaluation", "step": self.learner.steps, "elapsed_s": self.clock.elapsed,
                            **scores})  # fmt: skip

    def _write_record(self, record: dict[str, Any]) -> None:
        with open(self.out / "metrics.jsonl", "a") as handle:
            handle.write(json.dumps(record) + "\n")
        if self.config.tensorboard:
            if self._writer is None:
                from torch.utils.tensorboard import SummaryWriter

                self._writer = SummaryWriter(str(self.out / "tensorboard"))
            prefix = record["kind"]
            for name, value in record.items():
                if name not in ("kind", "step") and isinstance(value, int | float):
                    self._writer.add_scalar(f"{prefix}/{name}", value, record["step"])
            self._writer.flush()

    def _write_run_info(self, resumed: bool) -> None:
        info = {
            "kind": "start",
            "resumed": resumed,
            "step": self.learner.steps,
            "game": repr(self.game),
            "parameters": count_parameters(self.network),
            "flops_per_evaluation": flops_per_evaluation(self.network),
            "threads": torch.get_num_threads(),
            "device": str(self.device),
        }
        self._write_record(info)

    def _progress_bar(self) -> tqdm:
        config = self.config
        if config.steps is not None and config.minutes is None:
            return tqdm(total=config.steps, initial=self.learner.steps, unit="step", desc="training",
                        disable=not config.progress_bar)  # fmt: skip
        total = int(60 * config.minutes) if config.minutes is not None else 0
        return tqdm(total=total, initial=int(self.clock.elapsed), unit="s", desc="training (seconds of budget)",
                    disable=not config.progress_bar)  # fmt: skip

    def _update_bar(self, bar: tqdm) -> None:
        if bar.disable:
            return
        target = self.learner.steps if bar.unit == "step" else int(self.clock.elapsed)
        if target > bar.n:
            bar.update(target - bar.n)
            bar.set_postfix(step=self.learner.steps, positions=self.replay.positions_added,
                            games=self.replay.games_added, refresh=False)  # fmt: skip

    # -- stop signals ---------------------------------------------------------------------
    def _install_signal_handlers(self) -> dict[int, Any]:
        def request_stop(signum: int, frame: Any) -> None:
            if self._stop_requested:  # a second Ctrl-C stops at once
                raise KeyboardInterrupt
            self._stop_requested = True
            tqdm.write("stopping after this iteration (checkpointing); press Ctrl-C again to abort", file=sys.stderr)

        previous = {}
        try:
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, request_stop)
        except ValueError:  # not the main thread: no handlers, Ctrl-C aborts as usual
            pass
        return previous

    # -- checkpoints ----------------------------------------------------------------------
    def _checkpoint(self) -> Path:
        start = time.perf_counter()
        name = f"step_{self.learner.steps:08d}"
        path = self.out / "checkpoints" / name
        training_state = {
            "learner": self.learner.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "selfplay_rng": json.dumps(self.selfplay_rng.bit_generator.state),
            "learner_rng": json.dumps(self.learner_rng.bit_generator.state),
            "clock": json.dumps(dataclasses.asdict(self.clock)),
            "last_evaluation_step": self.last_evaluation_step,
        }
        arrays = {"replay": self.replay.state_arrays(), "selfplay": self.selfplay.state_arrays()}
        save_checkpoint(path, self.game, self.network, step=self.learner.steps, training_config=self.config.to_dict(),
                        training_state=training_state, arrays=arrays)  # fmt: skip
        _write_atomically(self.out / "latest", name + "\n")
        self._prune_checkpoints()
        self.clock.checkpoint += time.perf_counter() - start
        return path

    def _prune_checkpoints(self) -> None:
        folder = self.out / "checkpoints"
        names = sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name.startswith("step_"))
        for name in names[: -self.config.keep_checkpoints]:
            for file in (folder / name).iterdir():
                file.unlink()
            (folder / name).rmdir()

    def _resume_if_possible(self) -> bool:
        latest = self.out / "latest"
        if not latest.is_file():
            return False
        path = self.out / "checkpoints" / latest.read_text().strip()
        checkpoint = load_checkpoint(path, self.game, self.device)
        saved = checkpoint.config["training"]
        mine = self.config.to_dict()
        differing = sorted(k for k in mine if k not in BUDGET_FIELDS and _jsonable(mine[k]) != _jsonable(saved.get(k)))
        if differing:
            raise CheckpointError(f"{self.out} holds a run with a different config ({', '.join(differing)}); "
                                  f"resume with the same settings (only {', '.join(BUDGET_FIELDS)} may change) "
                                  f"or choose another --out")  # fmt: skip
        self.network.load_state_dict(checkpoint.network.state_dict())
        state = load_training_state(path)
        self.learner.load_state_dict(state["learner"])
        torch.set_rng_state(state["torch_rng"])
        self.selfplay_rng.bit_generator.state = json.loads(state["selfplay_rng"])
        self.learner_rng.bit_generator.state = json.loads(state["learner_rng"])
        self.clock = _Clock(**json.loads(state["clock"]))
        self.last_evaluation_step = int(state["last_evaluation_step"])
        self.replay.load_state_arrays(load_arrays(path, "replay"))
        self.selfplay.load_state_arrays(load_arrays(path, "selfplay"))
        tqdm.write(f"resuming {self.out} from {path.name} ({self.clock.elapsed / 60:.1f} min trained)", file=sys.stderr)
        return True


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _write_atomically(path: Path, text: str) -> None:
    staging = path.with_name(f".{path.name}.tmp")
    with open(staging, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staging, path)


def train(config: TrainConfig) -> Path:
    """Run (or resume) training; returns the final checkpoint's folder."""
    return Trainer(config).run()
