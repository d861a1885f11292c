"""Distillation: train a student network to match a teacher's policy and value, on the shared
run skeleton.

    path = distill(DistillConfig(game="connect_four", teacher="runs/connect_four", source="selfplay"))
    boardzoo distill tic_tac_toe --teacher runs/tic_tac_toe --student.blocks 1 --source replay:runs/tic_tac_toe

The teacher is a checkpoint folder, a run folder (its latest checkpoint) or a pretrained name;
the student any `NetworkConfig` (by default a small ResNet). Positions come from
  - `replay:RUN`: the replay buffer saved in an expert-iteration run's latest checkpoint (or a
    checkpoint folder), with its search policies and z, q as the data's own targets;
  - `dataset:FILE`: an expert dataset (`boardzoo.agents.training.expert_data`), with the
    expert's search policy where recorded, else its move, and z;
  - `selfplay`: games the teacher plays against itself while the student learns (`reuse`
    positions trained per position played). With `simulations` > 0 the teacher searches each
    move and its search policy and root value are the targets (distilling search into a
    network); with 0 the network samples its moves and labels the positions itself.
The loss (`boardzoo.agents.training.losses`) is α · KL(teacher_T ‖ student_T) · T² + (1 - α) ·
cross-entropy to the data's policy, plus the value MSE to β · teacher value + (1 - β) · the
data's value target; α follows `alpha` over the budget. Optimisation is expert iteration's
learner (AdamW, lr schedule, clipping, augmentation). Logged: the KL to the teacher at T = 1,
the value MSE to the teacher and to the target, and, where the game has a quick solver, the
student network's accuracy against perfect play (`eval_interval`). Checkpoints hold the
optimizer, every RNG and the self-play positions and games, so a stopped run resumes into the
same later checkpoints (step budget).

Distilling down for deployment: at the end of an expert-iteration run (grown or not), a small
fast student of its final network, trained on its replay buffer, is

    boardzoo distill connect_four --teacher runs/c4 --source replay:runs/c4 --out runs/c4_small \
        --student.blocks 2 --student.channels 16 --steps 4000

and `boardzoo play connect_four --agent runs/c4_small` plays it (`export_agent` makes it a
pretrained agent). A run that spends its budget ends with `OUT/report.md` and a "report"
record in metrics.jsonl: student and teacher side by side, with parameters, FLOPs per
evaluation, measured evaluations/s at B = 1 and B = 256 (`profile_network`) and, where the game
has a quick solver, accuracy against perfect play (policy and value).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from boardzoo.agents.atomic import write_atomically
from boardzoo.agents.ground_truth import KINDS, PositionSet, evaluate_player, standard_positions
from boardzoo.agents.models import (
    NetworkConfig,
    TorchEvaluator,
    build_network,
    count_parameters,
    load_arrays,
    load_checkpoint,
    load_training_state,
    profile_network,
)
from boardzoo.agents.players import NetworkPlayer, network_player, resolve_checkpoint
from boardzoo.agents.players.loading import ALGORITHMS
from boardzoo.agents.solvers import quick_solver_for
from boardzoo.agents.training.bc import policy_targets
from boardzoo.agents.training.expert_data import ExpertDataset, generate_dataset
from boardzoo.agents.training.expert_iteration.learner import Learner, LearnerConfig
from boardzoo.agents.training.expert_iteration.replay import ReplayBuffer
from boardzoo.agents.training.expert_iteration.selfplay import SelfPlay, SelfPlayConfig
from boardzoo.agents.training.positions import Positions, augment
from boardzoo.agents.training.run import RUN_FIELDS, Callback, Run, RunConfig, set_threads
from boardzoo.agents.training.run_folder import RunFolder, check_resumable
from boardzoo.agents.training.teacher import AlphaSchedule, Teacher, search_distillation
from boardzoo.agents.validation import check_choice, check_int, check_ints, check_number, check_numbers
from boardzoo.envs import Game, make

SOURCES = ("replay", "dataset", "selfplay")
RESUMABLE_CHANGES = (
    *RUN_FIELDS,
    "keep_checkpoints",
    "checkpoint_interval",
    "log_interval",
    "eval_interval",
    "eval_positions",
    "tensorboard",
)
"""settings that may differ when a run is resumed"""


def parse_source(source: str) -> tuple[str, str]:
    """("replay", RUN) | ("dataset", FILE) | ("selfplay", "") from "replay:RUN", "dataset:FILE", "selfplay"."""
    kind, colon, path = source.partition(":")
    if (kind in ("replay", "dataset") and path) or (kind == "selfplay" and not colon):
        return kind, path
    raise ValueError(f"source must be replay:RUN, dataset:FILE or selfplay, got {source!r}")


@dataclass(frozen=True)
class DistillConfig(RunConfig):
    """Distil a teacher network (optionally with search) into a student network."""

    out: str = "runs/distill"
    """run folder (checkpoints, logs); an existing run there is resumed"""
    steps: int | None = 2_000
    """learner steps (None = minutes only)"""
    game: str = "connect_four"
    """game id (the teacher and the source must be of this game)"""
    game_params: dict[str, int] = field(default_factory=dict)
    teacher: str = ""
    """the teacher: checkpoint folder, run folder (latest checkpoint) or pretrained name"""
    simulations: int = 0
    """teacher search per move (source selfplay only): its search policy and root value are the
    targets; 0 = the teacher network alone"""
    algorithm: str = "gumbel"
    """the teacher's search: "gumbel" (improved policy) or "puct" (visit counts)"""
    source: str = "selfplay"
    """positions: replay:RUN (an expert-iteration run's replay buffer), dataset:FILE (an expert
    dataset .npz) or selfplay (games of the teacher, played as the student learns)"""
    student: NetworkConfig = field(default_factory=lambda: NetworkConfig(kind="resnet", blocks=2, channels=16))
    """the student's network (any family)"""
    temperature: float = 1.0
    """temperature T of both policies in the distillation term"""
    alpha: AlphaSchedule = field(default_factory=AlphaSchedule)
    """weight α of the distillation term over the budget (1 - α on the data's policy target)"""
    beta: float | None = None
    """share of the teacher's value in the value target (None = α at the time)"""
    learner: LearnerConfig = field(default_factory=LearnerConfig)
    """optimisation (batch size, lr schedule, value weight, q_ratio of the data's value target, augmentation)"""
    selfplay_games: int = 64
    """selfplay: games the teacher plays at once"""
    reuse: float = 4.0
    """selfplay: positions trained per position played"""
    capacity: int = 50_000
    """selfplay: the most recent positions kept"""
    min_positions: int = 1_000
    """selfplay: positions played before learning starts"""
    eval_interval: int = 500
    """steps between scores against perfect play, where the game has a quick solver (0 = only at
    the end; negative = never)"""
    eval_positions: int | None = None
    """positions per standard set (random and strong play) in those scores (None = the standard size, 0 = off)"""
    checkpoint_interval: int = 500
    """learner steps between checkpoints"""
    keep_checkpoints: int = 3
    log_interval: int = 50
    """learner steps between metric lines"""
    tensorboard: bool = True
    """also write TensorBoard scalars"""

    def __post_init__(self) -> None:
        super().__post_init__()
        kind, _ = parse_source(self.source)
        check_choice(self, "algorithm", ALGORITHMS)
        check_int("simulations", self.simulations, minimum=0)
        if self.simulations and kind != "selfplay":
            raise ValueError(
                f"a searching teacher (simulations {self.simulations}) needs source selfplay: "
                f"{kind} positions are observations, not games to search"
            )
        check_numbers(self, ("temperature", "reuse"), low=0, low_open=True)
        check_number("beta", self.beta, low=0, high=1, optional=True)
        check_ints(self, ("selfplay_games", "capacity", "checkpoint_interval", "keep_checkpoints", "log_interval"))
        check_ints(self, ("min_positions",), minimum=0)
        check_ints(self, ("eval_interval",), minimum=None)
        check_int("eval_positions", self.eval_positions, minimum=0, optional=True)
        make(self.game, **self.game_params)  # an unknown game or bad parameter fails here

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Distiller:
    """One distillation run (see the module docstring).

    Args:
      config: the run's settings.
      callbacks: told the run's `Progress` after every step and at the end.
    """

    def __init__(self, config: DistillConfig, callbacks: Sequence[Callback] = ()) -> None:
        self.config = config
        self.callbacks = tuple(callbacks)
        self.game = make(config.game, **config.game_params)
        self.device = torch.device(config.device)
        set_threads(config.threads)
        torch.manual_seed(config.seed)
        self.folder = RunFolder(config.out, keep=config.keep_checkpoints, tensorboard=config.tensorboard)
        self.teacher = Teacher(config.teacher, self.game, self.device)
        self.student = build_network(config.student, self.game.observation_shape, self.game.num_actions)
        self.student.to(self.device).eval()
        self.learner = Learner(self.student, config.learner, self.device)
        sample_seed, selfplay_seed = np.random.SeedSequence(config.seed).spawn(2)
        self.sample_rng = np.random.default_rng(sample_seed)
        self.selfplay_rng = np.random.default_rng(selfplay_seed)
        self.kind, path = parse_source(config.source)
        self.selfplay: SelfPlay | None = None
        self.player: NetworkPlayer | None = None
        if self.kind == "selfplay":
            self.pool = ReplayBuffer(config.capacity, self.game.observation_shape, self.game.num_actions)
            self.source_metadata: dict[str, Any] = {"teacher": str(self.teacher.path)}
            self._start_selfplay()
        else:
            self.pool, self.source_metadata = _static_pool(self.game, self.kind, path)
        self.position_sets = _position_sets(self.game, config)
        self.last_evaluation_step = -1
        self.seconds = 0.0
        self._metrics: list[dict[str, float]] = []
        self._teacher_scores: dict[str, float] | None = None
        self._last_scores: dict[str, float] = {}

    def _start_selfplay(self) -> None:
        config = self.config
        if config.simulations:
            selfplay = SelfPlayConfig(
                batch_size=config.selfplay_games,
                algorithm=config.algorithm,
                simulations=config.simulations,
                cheap_simulations=config.simulations,
                full_search_fraction=1.0,
            )
            evaluator = TorchEvaluator(self.game, self.teacher.network, self.device, frozen=True)
            self.selfplay = SelfPlay(self.game, evaluator, selfplay, self.selfplay_rng)
        else:
            self.player = NetworkPlayer(self.game, self.teacher.network, self.device, temperature=1.0, frozen=True)

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> Path:
        """Train until the budget is spent (or Ctrl-C/SIGTERM); returns the final checkpoint."""
        config = self.config
        self.folder.prepare()
        resumed = self._resume()
        run = Run(
            config.budget(),
            description="distillation",
            progress_bar=config.progress_bar,
            callbacks=self.callbacks,
            seconds=self.seconds,
            step=self.learner.steps,
        )
        self._log_start(resumed)
        try:
            with run:
                while not run.should_stop():
                    self._play()
                    metrics = self._train_step(run)
                    step = self.learner.steps
                    if step % config.log_interval == 0:
                        self._log_metrics(run.seconds)
                    if config.eval_interval > 0 and step % config.eval_interval == 0:
                        self._evaluate(run.seconds)
                    if step % config.checkpoint_interval == 0:
                        self._checkpoint(run.seconds)
                    run.tick(step, self.student, kl=f"{metrics['teacher_kl']:.3f}")
                if self._metrics:
                    self._log_metrics(run.seconds)
                if config.eval_interval >= 0 and self.last_evaluation_step != self.learner.steps and run.exhausted():
                    self._evaluate(run.seconds)
                path = self._checkpoint(run.seconds)
                if run.exhausted():
                    self._report()
                run.notify(self.student)
        finally:
            self.folder.close()
        return path

    def _play(self) -> None:
        # Self-play until the student may take its next step: `reuse` positions trained per
        # position played, and at least `min_positions` played.
        if self.kind != "selfplay":
            return
        config = self.config
        due = (self.learner.steps + 1) * config.learner.batch_size / config.reuse
        while len(self.pool) < min(config.min_positions, config.capacity) or self.pool.positions_added < due:
            if self.selfplay is not None:
                for positions in self.selfplay.play_move():
                    self.pool.add_game(positions)
            else:
                assert self.player is not None
                data = generate_dataset(self.game, self.player, config.selfplay_games, self.selfplay_rng)
                positions = _dataset_positions(data)
                self.pool.add_game(_last(positions, config.capacity))

    def _train_step(self, run: Run) -> dict[str, float]:
        config = self.config
        batch = self.pool.sample(config.learner.batch_size, self.sample_rng)
        if config.learner.augment:
            batch = augment(self.game, batch, self.sample_rng)
        fraction = run.budget.schedule_fraction(self.learner.steps, run.seconds)
        alpha = config.alpha.value(fraction)
        weights = {"alpha": alpha, "beta": alpha if config.beta is None else config.beta}
        if self.selfplay is not None:
            distillation = search_distillation(batch, **weights, temperature=config.temperature)
        else:
            distillation = self.teacher.distillation(batch, **weights, temperature=config.temperature)
        metrics = self.learner.train_step(batch, fraction, distillation)
        self._metrics.append(metrics)
        return metrics

    # -- logging --------------------------------------------------------------------------
    def _log_start(self, resumed: bool) -> None:
        self.folder.log(
            {
                "kind": "start",
                "resumed": resumed,
                "step": self.learner.steps,
                "game": repr(self.game),
                "teacher": str(self.teacher.path),
                "teacher_parameters": count_parameters(self.teacher.network),
                "parameters": count_parameters(self.student),
                "source": self.config.source,
                "positions": len(self.pool),
                "threads": torch.get_num_threads(),
                "device": str(self.device),
            }
        )

    def _log_metrics(self, seconds: float) -> None:
        averaged = {name: float(np.mean([m[name] for m in self._metrics])) for name in self._metrics[0]}
        self._metrics.clear()
        record = {"kind": "train", "step": self.learner.steps, "elapsed_s": seconds}
        self.folder.log({**record, "positions": self.pool.positions_added, **averaged})

    def _evaluate(self, seconds: float) -> None:
        self.last_evaluation_step = self.learner.steps
        if not self.position_sets:
            return
        if self._teacher_scores is None:  # the teacher does not change
            self._teacher_scores = self._scores("teacher", self.teacher.network)
        record = {"kind": "evaluation", "step": self.learner.steps, "elapsed_s": seconds}
        self._last_scores = {**self._scores("student", self.student), **self._teacher_scores}
        self.folder.log({**record, **self._last_scores})

    def _scores(self, name: str, network: torch.nn.Module) -> dict[str, float]:
        # Accuracy against perfect play of the network alone (deterministic: no rng is drawn).
        player = network_player(self.game, network, simulations=0, device=self.device)
        report = evaluate_player(player, self.position_sets, np.random.default_rng(0), name=name)
        scores = {f"{name}_accuracy": report.accuracy}
        scores |= {f"{name}_accuracy_{kind}": report.row(f"{kind} play").accuracy for kind in KINDS}
        value_accuracy = report.row("all").value_accuracy
        if value_accuracy is not None:
            scores[f"{name}_value_accuracy"] = value_accuracy
        return scores

    def _report(self) -> None:
        """Student and teacher side by side (size, speed, accuracy): a "report" record and report.md."""
        rows = {}
        with torch.random.fork_rng(devices=[]):  # the timing's random inputs leave the run's RNG alone
            for name, network in (("student", self.student), ("teacher", self.teacher.network)):
                profile = profile_network(network, self.device, batch_sizes=REPORT_BATCH_SIZES, repeats=3)
                rows[name] = {
                    "network": _describe(network),
                    "parameters": profile.parameters,
                    "flops_per_evaluation": profile.flops_per_evaluation,
                    **{f"evaluations_per_s_b{b}": rate for b, rate in profile.evaluations_per_second.items()},
                    "accuracy": self._last_scores.get(f"{name}_accuracy"),
                    "value_accuracy": self._last_scores.get(f"{name}_value_accuracy"),
                }
        self.folder.log({"kind": "report", "step": self.learner.steps, **_flatten(rows)})
        write_atomically(self.folder.path / REPORT_FILE, _report_markdown(self.game, rows, self.teacher.path))

    # -- checkpoints ----------------------------------------------------------------------
    def _checkpoint(self, seconds: float) -> Path:
        state = {
            "learner": self.learner.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "sample_rng": json.dumps(self.sample_rng.bit_generator.state),
            "selfplay_rng": json.dumps(self.selfplay_rng.bit_generator.state),
            "seconds": seconds,
            "last_evaluation_step": self.last_evaluation_step,
        }
        arrays = {}
        if self.kind == "selfplay":
            arrays["pool"] = self.pool.state_arrays()
        if self.selfplay is not None:
            arrays["selfplay"] = self.selfplay.state_arrays()
        return self.folder.save(
            self.learner.steps,
            self.game,
            self.student,
            training_config=self._recorded_config(),
            training_state=state,
            arrays=arrays,
            extra={"agent": "distillation", "teacher": str(self.teacher.path)},
        )

    def _recorded_config(self) -> dict[str, Any]:
        return {**self.config.to_dict(), "source_metadata": self.source_metadata}

    def _resume(self) -> bool:
        path = self.folder.latest()
        if path is None:
            return False
        checkpoint = load_checkpoint(path, self.game, self.device)
        self.folder.rewind_metrics(checkpoint.step)
        check_resumable(self.folder.path, checkpoint.config["training"], self._recorded_config(), RESUMABLE_CHANGES)
        self.student.load_state_dict(checkpoint.network.state_dict())
        state = load_training_state(path)
        self.learner.load_state_dict(state["learner"])
        torch.set_rng_state(state["torch_rng"])
        self.sample_rng.bit_generator.state = json.loads(state["sample_rng"])
        self.selfplay_rng.bit_generator.state = json.loads(state["selfplay_rng"])
        self.seconds = float(state["seconds"])
        self.last_evaluation_step = int(state["last_evaluation_step"])
        if self.kind == "selfplay":
            self.pool.load_state_arrays(load_arrays(path, "pool"))
        if self.selfplay is not None:
            self.selfplay.load_state_arrays(load_arrays(path, "selfplay"))
        tqdm.write(f"resuming {self.folder.path} from {path.name}", file=sys.stderr)
        return True


def distill(config: DistillConfig, callbacks: Sequence[Callback] = ()) -> Path:
    """Run (or resume) a distillation; returns the final checkpoint (`load_player(path,
    simulations=0)` plays the student alone)."""
    return Distiller(config, callbacks).run()


# -- the report ----------------------------------------------------------------------------
REPORT_FILE = "report.md"
REPORT_BATCH_SIZES = (1, 256)


def _describe(network: torch.nn.Module) -> str:
    config = getattr(network, "config", None)
    if isinstance(config, NetworkConfig):
        return f"{config.kind} {config.blocks}x{config.channels}"
    return type(network).__name__


def _flatten(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {f"{name}_{key}": value for name, row in rows.items() for key, value in row.items()}


def _report_markdown(game: Game, rows: dict[str, dict[str, Any]], teacher: Path) -> str:
    def number(value: Any, digits: str = ",.0f") -> str:
        return "n/a" if value is None else format(value, digits)

    lines = [
        f"# Distillation report: {game!r}",
        "",
        f"Teacher: `{teacher}`. Speed measured here ({torch.get_num_threads()} torch threads); accuracy "
        "against perfect play on the standard position sets (n/a: no quick solver, or not evaluated).",
        "",
        "| | network | parameters | FLOPs/eval | evals/s B=1 | evals/s B=256 | accuracy | value accuracy |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in rows.items():
        cells = [number(row["parameters"]), number(row["flops_per_evaluation"])]
        cells += [number(row[f"evaluations_per_s_b{b}"]) for b in REPORT_BATCH_SIZES]
        cells += [number(row["accuracy"], ".3f"), number(row["value_accuracy"], ".3f")]
        lines.append(f"| {name} | {row['network']} | " + " | ".join(cells) + " |")
    student, teacher_row = rows["student"], rows["teacher"]
    speedup = student["evaluations_per_s_b1"] / teacher_row["evaluations_per_s_b1"]
    lines += ["", f"The student evaluates {speedup:.1f}× as many positions per second as the teacher at B = 1."]
    return "\n".join(lines) + "\n"


# -- sources -------------------------------------------------------------------------------
def _static_pool(game: Game, kind: str, path: str) -> tuple[ReplayBuffer, dict[str, Any]]:
    # The positions of a replay buffer or a dataset, all at once, and what identifies them.
    if kind == "replay":
        checkpoint = resolve_checkpoint(path)
        load_checkpoint(checkpoint, game)  # refuses another game
        if not (checkpoint / "replay.npz").is_file():
            raise ValueError(f"{checkpoint} holds no replay buffer (only expert-iteration checkpoints keep one)")
        arrays = load_arrays(checkpoint, "replay")
        size = int(arrays["z"].shape[0])
        if size == 0:
            raise ValueError(f"the replay buffer in {checkpoint} is empty")
        pool = ReplayBuffer(size, game.observation_shape, game.num_actions)
        pool.load_state_arrays(arrays)
        return pool, {"checkpoint": str(checkpoint), "positions": size}
    data = ExpertDataset.load(path)
    recorded = data.metadata["game"]
    if recorded["id"] != game.id or recorded["params"] != dict(game.params):
        raise ValueError(f"{path} holds positions of {recorded['id']} {recorded['params']}, not {game!r}")
    pool = ReplayBuffer(len(data), game.observation_shape, game.num_actions)
    pool.add_game(_dataset_positions(data))
    return pool, {"dataset": data.metadata, "positions": len(data)}


def _dataset_positions(data: ExpertDataset) -> Positions:
    # The expert's search policy where recorded, else its move; no search value: q = z.
    return Positions(data.observation, data.legal, policy_targets(data, "policy"), data.z, data.z)


def _last(positions: Positions, count: int) -> Positions:
    if len(positions) <= count:
        return positions
    return Positions(*(getattr(positions, name)[-count:] for name in Positions.__dataclass_fields__))


def _position_sets(game: Game, config: DistillConfig) -> tuple[PositionSet, ...]:
    # The standard position sets the student is scored on: none without a quick solver.
    if config.eval_interval < 0 or config.eval_positions == 0:
        return ()
    solver = quick_solver_for(game)
    if solver is None:
        return ()
    return tuple(standard_positions(game, kind, count=config.eval_positions, solver=solver) for kind in KINDS)
