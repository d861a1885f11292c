"""The expert-iteration loop behind `boardzoo train`: self-play → replay → learner →
checkpoint → evaluation, with exact resume, on the shared run skeleton (`training.run`).

Each iteration runs the learner steps that keep `reuse` (positions trained per position
generated), then plays one move in all B self-play games and adds the games that ended to the
replay buffer. Self-play and learning alternate in one process, so a seed fixes the whole run;
both use every core through torch's intra-op threads (`threads`), and the time each takes is
logged. Checkpoints hold the network, optimizer, every RNG, the replay buffer and the live
games, so a run killed at any moment resumes from its last checkpoint and produces the same
later checkpoints as a run never interrupted (with a `steps` budget; a `minutes` budget
depends on the clock). Ctrl-C or SIGTERM finish the current iteration, checkpoint and exit.
The run folder's layout is `boardzoo.agents.training.run_folder`'s. The network can change
mid-run, by a growth schedule or an architecture migration (`expert_iteration.architecture`).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from boardzoo.agents.models import (
    CheckpointError,
    NetworkConfig,
    PolicyValueNet,
    TorchEvaluator,
    build_network,
    count_parameters,
    flops_per_evaluation,
    load_arrays,
    load_checkpoint,
    load_training_state,
    save_checkpoint,
)
from boardzoo.agents.players import ladder
from boardzoo.agents.training.expert_iteration.architecture import (
    Migration,
    grow_network,
    migration_teacher_path,
    parse_growth,
    stages_done,
)
from boardzoo.agents.training.expert_iteration.evaluation import EvaluationConfig, evaluate_network, perfect_play_sets
from boardzoo.agents.training.expert_iteration.learner import Learner, LearnerConfig
from boardzoo.agents.training.expert_iteration.replay import SAMPLING, ReplayBuffer
from boardzoo.agents.training.expert_iteration.selfplay import SelfPlay, SelfPlayConfig
from boardzoo.agents.training.losses import Distillation
from boardzoo.agents.training.positions import Positions, augment
from boardzoo.agents.training.run import RUN_FIELDS, Callback, Run, RunConfig, set_threads
from boardzoo.agents.training.run_folder import RunFolder, check_resumable
from boardzoo.agents.training.teacher import AlphaSchedule, AnnealedTeacher, TeacherConfig
from boardzoo.agents.validation import check_bools, check_choice, check_ints, check_numbers, check_ray_address
from boardzoo.envs import make

RESUMABLE_CHANGES = (*RUN_FIELDS, "evaluation", "tensorboard", "keep_checkpoints", "log_interval", "ray", "actors")
"""settings that may differ when a run is resumed"""


@dataclass(frozen=True)
class TrainConfig(RunConfig):
    """Train an AlphaZero-style agent by expert iteration (search teaches the network)."""

    out: str = "runs/connect_four"
    """run folder (checkpoints, logs); an existing run there is resumed"""
    minutes: float | None = 30.0
    """wall-clock budget (None = steps only)"""
    game: str = "connect_four"
    """game id (see boardzoo.envs.available_games())"""
    game_params: dict[str, int] = field(default_factory=dict)
    """game parameters, e.g. board_size 7"""
    network: NetworkConfig = field(default_factory=NetworkConfig)
    selfplay: SelfPlayConfig = field(default_factory=SelfPlayConfig)
    learner: LearnerConfig = field(default_factory=LearnerConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    """a network whose policy and value the learner also fits, with weight alpha (teacher
    annealing), until switched off (see `boardzoo.agents.training.teacher`)"""
    growth: tuple[str, ...] = ()
    """net2net growth stages FRACTION:BLOCKSxCHANNELS (e.g. 0.3:4x32 0.6:6x64): at that fraction
    of the budget the network is widened, then deepened, keeping its function and its optimizer
    state (see `boardzoo.agents.training.expert_iteration.architecture`)"""
    migrate: int = 0
    """resume this run with a different `network`: the new network first learns this many steps
    on the run's replay buffer from the current one (distillation, alpha 1 -> 0), then self-play
    goes on with it (0 = a different network is refused)"""
    replay_capacity: int = 100_000
    """replay window in positions"""
    replay_sampling: str = "position"
    """"position" (uniform over positions) or "game" (uniform game, then position)"""
    reuse: float = 4.0
    """positions trained per position generated (sampling reuse ratio)"""
    overlap: bool = False
    """learn on a second thread while self-play plays its next move with the weights from before
    those learner steps (one move stale), instead of alternating; each thread gets half the
    cores (threads 0) or `threads`. Deterministic: a step budget gives the same run every time"""
    min_positions: int = 2_000
    """positions in the buffer before learning starts"""
    checkpoint_interval: int = 250
    """learner steps between checkpoints"""
    keep_checkpoints: int = 3
    """newest checkpoints kept (older ones are deleted)"""
    log_interval: int = 25
    """learner steps between metric lines"""
    tensorboard: bool = True
    """also write TensorBoard scalars"""
    ray: str | None = None
    """self-play on Ray actors: "local" (start Ray here), "auto" (join the running cluster) or a
    cluster ADDRESS; None = one process (needs the `ray` extra; see docs/ray.md)"""
    actors: int = 2
    """Ray self-play actors (one CPU each), with --ray"""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice(self, "replay_sampling", SAMPLING)
        check_ints(self, ("actors",))
        check_ray_address(self)
        check_bools(self, ("overlap",))
        if self.overlap and self.ray is not None:
            raise ValueError("overlap is for one process; with --ray the actors already play while the learner learns")
        check_numbers(self, ("reuse",), low=0, low_open=True)
        check_ints(
            self, ("replay_capacity", "min_positions", "checkpoint_interval", "keep_checkpoints", "log_interval")
        )
        make(self.game, **self.game_params)  # an unknown game or bad parameter fails here, not later
        if self.teacher.switch_off != "never" and self.evaluation.interval <= 0:
            raise ValueError("teacher.switch_off needs periodic evaluations (evaluation.interval > 0)")
        parse_growth(self.growth, self.network)  # a bad schedule fails here
        check_ints(self, ("migrate",), minimum=0)
        if self.growth and self.migrate:
            raise ValueError("a run with a growth schedule cannot migrate to another network (growth or migrate)")
        if (self.growth or self.migrate) and self.ray is not None:
            raise ValueError("growth and migrate change the network, which Ray actors do not follow yet: drop --ray")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        if not self.teacher.enabled:  # recorded as before teachers existed, so older runs resume
            del data["teacher"]
        for name in ("growth", "migrate"):  # likewise
            if not data[name]:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        data = dict(data)
        data["network"] = NetworkConfig(**data["network"])
        data["selfplay"] = SelfPlayConfig(**data["selfplay"])
        data["learner"] = LearnerConfig(**data["learner"])
        data["evaluation"] = EvaluationConfig(**{**data["evaluation"], "ladder": tuple(data["evaluation"]["ladder"])})
        data["growth"] = tuple(data.get("growth", ()))
        if "teacher" in data:
            teacher = data["teacher"]
            data["teacher"] = TeacherConfig(**{**teacher, "alpha": AlphaSchedule(**teacher["alpha"])})
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
    """Runs (or resumes) one expert-iteration run; see the module docstring.

    Args:
      config: the run's settings.
      callbacks: told the run's `Progress` after every iteration and at the end.
    """

    def __init__(self, config: TrainConfig, callbacks: Sequence[Callback] = ()) -> None:
        self.config = config
        self.callbacks = tuple(callbacks)
        self.folder = RunFolder(config.out, keep=config.keep_checkpoints, tensorboard=config.tensorboard)
        self.game = make(config.game, **config.game_params)
        self.device = torch.device(config.device)
        self.threads = set_threads(
            config.threads or max(1, (os.cpu_count() or 2) // 2) if config.overlap else config.threads
        )
        torch.manual_seed(config.seed)
        self.network = build_network(config.network, self.game.observation_shape, self.game.num_actions)
        self.network.to(self.device).eval()
        self.learner = Learner(self.network, config.learner, self.device)
        self.teacher = AnnealedTeacher(self.game, config.teacher, self.device) if config.teacher.enabled else None
        # With overlap, self-play plays with its own copy, synchronised after every learning phase.
        self.selfplay_network = copy.deepcopy(self.network) if config.overlap else self.network
        self.evaluator = TorchEvaluator(
            self.game, self.selfplay_network, self.device, precision=config.selfplay.precision
        )
        seeds = np.random.SeedSequence(config.seed).spawn(2)
        self.selfplay_rng = np.random.default_rng(seeds[0])
        self.learner_rng = np.random.default_rng(seeds[1])
        self.selfplay = SelfPlay(self.game, self.evaluator, config.selfplay, self.selfplay_rng)
        self.replay = ReplayBuffer(config.replay_capacity, self.game.observation_shape, self.game.num_actions)
        self.clock = _Clock()
        self.last_evaluation_step = 0
        self._metrics: list[dict[str, float]] = []
        # Built now, so a bad opponent (a missing checkpoint) fails before training, not after it.
        self.opponents = ladder(self.game, config.evaluation.ladder) if config.evaluation.enabled else {}
        self.position_sets = perfect_play_sets(self.game, config.evaluation)
        self._pool: ThreadPoolExecutor | None = None  # the learner thread, with overlap
        self.growth = parse_growth(config.growth, config.network)
        self.stages_done = 0
        """growth stages applied to the network"""
        self.migration: Migration | None = None
        """the distillation phase of a migration, while it lasts"""
        self.migration_offset = 0
        """learner steps of migrations, which do not count against the replay reuse ratio"""
        self._migrating_from: Path | None = None  # a checkpoint of another network, to migrate from in run()
        self.run_state = Run(config.budget(), description="training", progress_bar=False)  # replaced by run()

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> Path:
        """Train until the budget is spent or a stop is requested; returns the last checkpoint."""
        self.folder.prepare()
        resumed = self._resume_if_possible()
        self.run_state = run = Run(
            self.config.budget(),
            description="training",
            progress_bar=self.config.progress_bar,
            callbacks=self.callbacks,
            seconds=self.clock.elapsed,
            step=self.learner.steps,
        )
        self._log_start(resumed)
        last_checkpoint = None
        try:
            with run:
                if self._migrating_from is not None:
                    last_checkpoint = self._start_migration(self._migrating_from)
                # Learning comes first in an iteration, so a run resumed from a checkpoint taken
                # between learner steps goes on with the steps still due, as the original did.
                while True:
                    if self.config.overlap and self.migration is not None:
                        # A migrated network learns from the old one before self-play uses it.
                        last_checkpoint = self._learn() or last_checkpoint
                        self._sync_selfplay_network()
                        if self._exhausted() or run.stop.requested:
                            break
                    if self.config.overlap:
                        last_checkpoint = self._learn_while_playing() or last_checkpoint
                    else:
                        last_checkpoint = self._learn() or last_checkpoint
                    if self._exhausted() or run.stop.requested:
                        break
                    if not self.config.overlap:
                        self._selfplay_move()
                    run.tick(
                        self.learner.steps,
                        self.network,
                        positions=self.replay.positions_added,
                        games=self.replay.games_added,
                    )
                if self._metrics:  # the interval a stop (or the budget) cut short
                    self._log_metrics()
                evaluated = self.last_evaluation_step == self.learner.steps
                if self.config.evaluation.enabled and not evaluated and self._exhausted():
                    self._evaluate()
                last_checkpoint = self._checkpoint()
                run.step = self.learner.steps
                run.notify(self.network)
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None
            self.folder.close()
        return last_checkpoint

    def _exhausted(self) -> bool:
        return self.run_state.budget.fraction(self.learner.steps, self.run_state.seconds) >= 1.0

    def _selfplay_move(self) -> None:
        for positions in self._play_move():
            self.replay.add_game(positions)

    def _play_move(self) -> list:
        # One ply of every self-play game; returns the games it finished.
        network_before = self.evaluator.forward_seconds
        search_before = self.selfplay.search_seconds
        finished = list(self.selfplay.play_move())
        network = self.evaluator.forward_seconds - network_before
        self.clock.network += network
        self.clock.search += self.selfplay.search_seconds - search_before - network
        return finished

    def _learn_while_playing(self) -> Path | None:
        """One overlapped iteration: the learner steps due now run on the learner thread while
        self-play plays a move with the weights from before them; then the move's finished games
        join the replay, the weights are copied to self-play, and a checkpoint due during the
        learning is taken (here, where both sides are at rest, so it resumes exactly)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, "learner", initializer=torch.set_num_threads, initargs=(self.threads,))
        learning = self._pool.submit(self._learn, take_checkpoints=False)
        try:
            finished = self._play_move()
        finally:
            checkpoint_due = learning.result()
        for positions in finished:
            self.replay.add_game(positions)
        self._sync_selfplay_network()
        return self._checkpoint() if checkpoint_due else None

    def _learn(self, take_checkpoints: bool = True) -> Path | bool | None:
        """The learner steps due (`reuse` × positions generated / batch, plus a migration's); returns
        the checkpoint taken, or with take_checkpoints=False whether one is due. A stop request
        ends them early (a run resumed from there goes on with the steps still due), except on the
        learner thread beside self-play (overlap), whose move must meet the weights of all of them."""
        config = self.config
        if len(self.replay) < config.min_positions:
            return None
        generated = int(config.reuse * self.replay.positions_added / config.learner.batch_size)
        due = generated + self.migration_offset - self.learner.steps
        checkpoint: Path | bool | None = None
        while due > 0 and not self._exhausted() and not (take_checkpoints and self.run_state.stop.requested):
            due -= 1
            start = time.perf_counter()
            self._grow_if_due()
            batch = self.replay.sample(config.learner.batch_size, self.learner_rng, by=config.replay_sampling)
            if config.learner.augment:
                batch = augment(self.game, batch, self.learner_rng)
            schedule = self.run_state.budget.schedule_fraction(self.learner.steps, self.run_state.seconds)
            self._metrics.append(self.learner.train_step(batch, schedule, self._distillation(batch, schedule)))
            self.clock.learner += time.perf_counter() - start
            step = self.learner.steps
            if self.migration is not None and not self.migration.active(step):
                self._finish_migration()
            if step % config.log_interval == 0:
                self._log_metrics()
            if config.evaluation.due(step):
                self._evaluate()
            if step % config.checkpoint_interval == 0:
                # The overlapped loop takes a due checkpoint itself, once self-play is at rest.
                checkpoint = self._checkpoint() if take_checkpoints else True
        return checkpoint

    # -- changing the network: growth and migration (see expert_iteration.architecture) ---
    def _distillation(self, batch: Positions, schedule: float) -> Distillation | None:
        if self.migration is not None:  # a migration's teacher comes first
            return self.migration.distillation(batch, self.learner.steps)
        return self.teacher.distillation(batch, schedule) if self.teacher is not None else None

    def _grow_if_due(self) -> None:
        """Apply the growth stages whose fraction of the budget is reached (before a learner step)."""
        while self.stages_done < len(self.growth):
            stage = self.growth[self.stages_done]
            if self.run_state.budget.schedule_fraction(self.learner.steps, self.run_state.seconds) < stage.fraction:
                return
            before = self.network.config
            for grown in grow_network(self.network, stage, seed=(self.config.seed, self.stages_done)):
                self.learner.grow(grown)
            self.network = self.learner.network
            self.stages_done += 1
            self._network_changed()
            after = f"{stage.blocks}x{stage.channels}"
            self._log_event("growth", stage=str(stage), **{"from": f"{before.blocks}x{before.channels}", "to": after})

    def _network_changed(self) -> None:
        # self.network was replaced: self-play follows now, or with overlap at its next sync.
        if not self.config.overlap:
            self._set_selfplay_network(self.network)

    def _sync_selfplay_network(self) -> None:
        """Self-play's copy of the network (overlap) takes the learner's weights, and its shape
        after a growth or a migration."""
        if self.selfplay_network is self.network:
            return
        if self.selfplay_network.config == self.network.config:
            self.selfplay_network.load_state_dict(self.network.state_dict())
        else:
            self._set_selfplay_network(copy.deepcopy(self.network))

    def _set_selfplay_network(self, network: PolicyValueNet) -> None:
        if network is self.selfplay_network:
            return
        self.selfplay_network = network
        self.evaluator = TorchEvaluator(self.game, network, self.device, precision=self.config.selfplay.precision)
        self.selfplay.evaluator = self.evaluator

    def _check_resumable(self, recorded: dict[str, Any]) -> bool:
        """Refuse a checkpoint of another config; True when this run migrates to this config's network."""
        changed = NetworkConfig.from_dict(recorded["network"]) != self.config.network
        migrating = changed and self.config.migrate > 0
        may_change = (*RESUMABLE_CHANGES, "migrate", *(("network",) if migrating else ()))
        try:
            check_resumable(self.folder.path, recorded, self.config.to_dict(), may_change)
        except CheckpointError as error:
            if changed and not migrating:
                raise CheckpointError(f"{error}; to move the run to another network, add --migrate STEPS") from None
            raise
        return migrating

    def _restore_network(self, network: PolicyValueNet) -> None:
        """Take a checkpoint's network: of the run's config, or grown by its growth schedule."""
        if network.config == self.network.config:
            self.network.load_state_dict(network.state_dict())
            return
        try:
            self.stages_done = stages_done(self.growth, self.config.network, network.config)
        except ValueError as error:
            raise CheckpointError(f"{self.folder.path}: {error}") from None
        self.network = network
        self.learner.restart(network)  # its optimizer state is loaded next
        self._network_changed()

    def _start_migration(self, path: Path) -> Path:
        """Move the run from the network of checkpoint `path` to this config's; returns the
        checkpoint of the switch."""
        old = load_checkpoint(path, self.game, self.device)
        step = self.learner.steps
        teacher = migration_teacher_path(self.folder.path, step)
        extra = {"migrated_to": self.config.network.to_dict()}
        save_checkpoint(teacher, self.game, old.network, step=step, training_config=old.config["training"], extra=extra)
        self.migration_offset += self.config.migrate
        self.migration = Migration(step, self.config.migrate, teacher, self.game, self.device)
        self._migrating_from = None
        checkpoint = self._checkpoint()
        self._log_event(
            "migration",
            **{"from": old.config["network"], "to": self.config.network.to_dict()},
            steps=self.config.migrate,
            teacher=str(teacher),
            parameters=count_parameters(self.network),
            flops_per_evaluation=flops_per_evaluation(self.network),
        )
        return checkpoint

    def _resume_migration(self, start: int, steps: int) -> None:
        teacher = migration_teacher_path(self.folder.path, start)
        if not teacher.is_dir():
            raise CheckpointError(f"{teacher}, the teacher of the migration at step {start}, is missing")
        self.migration = Migration(start, steps, teacher, self.game, self.device)

    def _finish_migration(self) -> None:
        assert self.migration is not None
        self._log_event("migration_finished", teacher=str(self.migration.teacher.path))
        self.migration = None

    # -- logging --------------------------------------------------------------------------
    def _log_event(self, event: str, **fields: Any) -> None:
        record = {"kind": "event", "event": event, "step": self.learner.steps, "elapsed_s": self.run_state.seconds}
        self.folder.log({**record, **fields})

    def _log_metrics(self) -> None:
        names = dict.fromkeys(name for metrics in self._metrics for name in metrics)  # a teacher may stop mid-interval
        averaged = {name: float(np.mean([m[name] for m in self._metrics if name in m])) for name in names}
        self._metrics.clear()
        clock, elapsed = self.clock, self.run_state.seconds
        self.folder.log(
            {
                "kind": "train",
                "step": self.learner.steps,
                "elapsed_s": elapsed,
                "positions": self.replay.positions_added,
                "games": self.replay.games_added,
                "selfplay_moves": self.selfplay.moves,
                "positions_per_s": self.replay.positions_added / max(elapsed, 1e-9),
                "time_search_s": clock.search,
                "time_network_s": clock.network,
                "time_learner_s": clock.learner,
                "time_evaluation_s": clock.evaluation,
                "time_checkpoint_s": clock.checkpoint,
                **averaged,
            }
        )

    def _evaluate(self) -> None:
        start = time.perf_counter()
        scores = evaluate_network(
            self.game,
            self.network,
            self.config.evaluation,
            device=self.device,
            opponents=self.opponents,
            position_sets=self.position_sets,
            seed=self.config.seed * 1_000_003 + self.learner.steps,
        )
        self.clock.evaluation += time.perf_counter() - start
        self.last_evaluation_step = self.learner.steps
        self.folder.log(
            {"kind": "evaluation", "step": self.learner.steps, "elapsed_s": self.run_state.seconds, **scores}
        )
        if self.teacher is not None and self.teacher.watching:
            self._compare_with_teacher()

    def _compare_with_teacher(self) -> None:
        """Switch the teacher off if the student's network now beats the teacher's (logged as an event)."""
        assert self.teacher is not None
        comparison = self.teacher.compare(
            self.network,
            position_sets=self.position_sets,
            games=self.config.evaluation.games,
            seed=self.config.seed * 1_000_003 + self.learner.steps,
        )
        if self.teacher.update(self.learner.steps, comparison):
            self.folder.log(
                {
                    "kind": "event",
                    "event": "teacher_switched_off",
                    "step": self.learner.steps,
                    "elapsed_s": self.run_state.seconds,
                    "measure": comparison.measure,
                    "student": comparison.student,
                    "teacher": comparison.teacher,
                }
            )

    def _log_start(self, resumed: bool) -> None:
        self.folder.log(
            {
                "kind": "start",
                "resumed": resumed,
                "step": self.learner.steps,
                "game": repr(self.game),
                "parameters": count_parameters(self.network),
                "flops_per_evaluation": flops_per_evaluation(self.network),
                "threads": torch.get_num_threads(),
                "device": str(self.device),
                "selfplay_precision": self.evaluator.precision,
                **self._metadata(),
            }
        )

    def _metadata(self) -> dict[str, Any]:
        """What the start record and every checkpoint's config.json add (the distributed trainer's
        cluster and actors)."""
        return {}

    # -- checkpoints ----------------------------------------------------------------------
    def _checkpoint(self) -> Path:
        start = time.perf_counter()
        self.selfplay.forget_tree()  # a run resumed from here has no tree to reuse either
        self.clock.elapsed = self.run_state.seconds
        training_state = {
            "learner": self.learner.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "selfplay_rng": json.dumps(self.selfplay_rng.bit_generator.state),
            "learner_rng": json.dumps(self.learner_rng.bit_generator.state),
            "clock": json.dumps(dataclasses.asdict(self.clock)),
            "last_evaluation_step": self.last_evaluation_step,
        }
        if self.teacher is not None:
            off = self.teacher.switched_off_at
            training_state["teacher_switched_off_at"] = -1 if off is None else off
        if self.migration_offset:
            migration = self.migration
            training_state["migration_offset"] = self.migration_offset
            training_state["migration_start"] = -1 if migration is None else migration.start
            training_state["migration_steps"] = 0 if migration is None else migration.steps
        arrays = {"replay": self.replay.state_arrays(), "selfplay": self.selfplay.state_arrays()}
        path = self.folder.save(
            self.learner.steps,
            self.game,
            self.network,
            training_config=self.config.to_dict(),
            training_state=training_state,
            arrays=arrays,
            extra=self._metadata(),
        )
        self.clock.checkpoint += time.perf_counter() - start
        return path

    def _resume_if_possible(self) -> bool:
        path = self.folder.latest()
        if path is None:
            return False
        checkpoint = load_checkpoint(path, self.game, self.device)
        self.folder.rewind_metrics(checkpoint.step)
        migrating = self._check_resumable(checkpoint.config["training"])
        state = load_training_state(path)
        if migrating:  # the network changes in run(), once the run's clock is going
            self._migrating_from = path
            self.learner.steps = self.learner.started_at = int(state["learner"]["steps"])
        else:
            self._restore_network(checkpoint.network)
            self.learner.load_state_dict(state["learner"])
        torch.set_rng_state(state["torch_rng"])
        self.selfplay_rng.bit_generator.state = json.loads(state["selfplay_rng"])
        self.learner_rng.bit_generator.state = json.loads(state["learner_rng"])
        self.clock = _Clock(**json.loads(state["clock"]))
        self.last_evaluation_step = int(state["last_evaluation_step"])
        if self.teacher is not None:
            off = int(state["teacher_switched_off_at"])
            self.teacher.switched_off_at = None if off < 0 else off
        self.migration_offset = int(state.get("migration_offset", 0))
        start = int(state.get("migration_start", -1))
        if start >= 0 and self.learner.steps < start + int(state["migration_steps"]):
            self._resume_migration(start, int(state["migration_steps"]))
        self.replay.load_state_arrays(load_arrays(path, "replay"))
        self.selfplay.load_state_arrays(load_arrays(path, "selfplay"))
        self._sync_selfplay_network()
        tqdm.write(
            f"resuming {self.folder.path} from {path.name} ({self.clock.elapsed / 60:.1f} min trained)", file=sys.stderr
        )
        return True


def train(config: TrainConfig, callbacks: Sequence[Callback] = ()) -> Path:
    """Run (or resume) training; returns the final checkpoint's folder. With `config.ray` the
    self-play runs on Ray actors (`boardzoo.agents.training.distributed`)."""
    if config.ray is not None:
        from boardzoo.agents.training.distributed import DistributedTrainer

        return DistributedTrainer(config, callbacks).run()
    return Trainer(config, callbacks).run()
