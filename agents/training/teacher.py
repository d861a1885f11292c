"""Teachers: a trained network whose policy and value another network learns from (knowledge
distillation), its weight α over training, and the switch that turns it off once the student
is the stronger of the two.

    teacher = Teacher("runs/connect_four", game)                 # checkpoint, run folder or pretrained name
    distillation = teacher.distillation(batch, alpha=0.7, beta=0.7, temperature=2.0)
    terms = policy_value_losses(student, batch, 0.0, device, distillation)

The distillation trainer (`boardzoo.agents.training.distillation`) fits a student to a teacher;
expert iteration can start from one (`TrainConfig.teacher`, a `TeacherConfig`): its learner adds
the distillation term on replay positions with α following `AlphaSchedule` (teacher annealing),
and with `switch_off="student_passes_teacher"` the term is dropped for good at the first periodic
evaluation where the student's network beats the teacher's: a higher accuracy against perfect
play where the game has a quick solver, else a score above 0.5 in games against it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from boardzoo.agents.ground_truth import PositionSet, evaluate_player
from boardzoo.agents.players import NetworkPlayer, load_agent, network_player, play_match
from boardzoo.agents.training.losses import Distillation
from boardzoo.agents.training.positions import Positions
from boardzoo.agents.validation import check_choice, check_number, check_numbers
from boardzoo.envs import Game

SCHEDULES = ("constant", "linear", "cosine")
SWITCH_OFF = ("never", "student_passes_teacher")
ARENA_TEMPERATURE = 0.5
"""both networks sample their moves at this temperature in games against each other, so the
games differ (two greedy networks would play the same two games over and over)"""


@dataclass(frozen=True)
class AlphaSchedule:
    """The distillation weight α over training (fraction 0 → 1 of the budget)."""

    kind: str = "constant"
    """"constant" (start throughout), "linear" or "cosine" (from start to end over the budget)"""
    start: float = 1.0
    """α at the start"""
    end: float = 0.0
    """α at the end of the budget (linear, cosine)"""

    def __post_init__(self) -> None:
        check_choice(self, "kind", SCHEDULES)
        check_numbers(self, ("start", "end"), low=0, high=1)

    def value(self, fraction: float) -> float:
        """α at `fraction` of the budget (clipped to [0, 1])."""
        fraction = min(max(fraction, 0.0), 1.0)
        if self.kind == "constant":
            return self.start
        if self.kind == "linear":
            return self.start + (self.end - self.start) * fraction
        return self.end + (self.start - self.end) * 0.5 * (1.0 + math.cos(math.pi * fraction))


class Teacher:
    """A network that labels positions for a student.

    Args:
      source: a checkpoint folder, a run folder (its latest checkpoint) or a pretrained name.
      game: the game; the checkpoint must have been trained for it.
      device: where the teacher runs.
    """

    def __init__(self, source: str, game: Game, device: str | torch.device = "cpu") -> None:
        if not source:
            raise ValueError("give a teacher: a checkpoint folder, a run folder or a pretrained agent name")
        checkpoint = load_agent(source, game, device)
        self.path = checkpoint.path
        self.game = game
        self.device = torch.device(device)
        self.network = checkpoint.network.eval()

    def targets(self, batch: Positions) -> tuple[torch.Tensor, torch.Tensor]:
        """The teacher's masked logits float[K, A] and values float[K] on a batch."""
        with torch.no_grad():
            observation = torch.from_numpy(batch.observation).to(self.device)
            legal = torch.from_numpy(batch.legal).to(self.device)
            return self.network(observation, legal)

    def distillation(self, batch: Positions, *, alpha: float, beta: float, temperature: float) -> Distillation:
        """The teacher's targets on `batch` with their weights (see `losses.Distillation`)."""
        logits, value = self.targets(batch)
        return Distillation(logits, value, alpha, beta, temperature)


def search_distillation(batch: Positions, *, alpha: float, beta: float, temperature: float) -> Distillation:
    """A searching teacher's targets, recorded in the batch itself: its search policy (log of the
    visit or improved policy; -inf where it is 0) and its root value `q`."""
    policy = torch.from_numpy(batch.policy)
    return Distillation(torch.log(policy), torch.from_numpy(batch.q), alpha, beta, temperature)


@dataclass(frozen=True)
class TeacherConfig:
    """A teacher for expert iteration: the learner also fits its policy and value on replay
    positions, with weight α (teacher annealing), until it is switched off."""

    checkpoint: str = ""
    """the teacher: checkpoint folder, run folder or pretrained name ("" = no teacher)"""
    alpha: AlphaSchedule = field(default_factory=lambda: AlphaSchedule("linear", 1.0, 0.0))
    """weight of the distillation term over the budget (1 - α on the search's policy target)"""
    beta: float | None = None
    """share of the teacher's value in the value target (None = α at the time)"""
    temperature: float = 1.0
    """temperature T of both policies in the distillation term"""
    switch_off: str = "never"
    """"never", or "student_passes_teacher": drop the teacher at the first evaluation where the
    student's network beats the teacher's (accuracy against perfect play where the game has a
    quick solver, else a score above 0.5 against it)"""

    def __post_init__(self) -> None:
        check_choice(self, "switch_off", SWITCH_OFF)
        check_number("beta", self.beta, low=0, high=1, optional=True)
        check_numbers(self, ("temperature",), low=0, low_open=True)

    @property
    def enabled(self) -> bool:
        return bool(self.checkpoint)

    def beta_at(self, alpha: float) -> float:
        return alpha if self.beta is None else self.beta


@dataclass(frozen=True)
class Comparison:
    """The student's network against the teacher's on one measure ("accuracy": against perfect
    play; "score_vs_teacher": points per game against the teacher, whose own is 0.5)."""

    measure: str
    student: float
    teacher: float

    @property
    def student_passes(self) -> bool:
        return self.student > self.teacher


class AnnealedTeacher:
    """A teacher inside a trainer that has targets of its own: the distillation term with α from
    the schedule, and the switch-off (see the module docstring).

    Args:
      game: the game.
      config: the teacher's settings (`config.enabled` must hold).
      device: where the teacher runs.
    """

    def __init__(self, game: Game, config: TeacherConfig, device: str | torch.device = "cpu") -> None:
        self.config = config
        self.teacher = Teacher(config.checkpoint, game, device)
        self.switched_off_at: int | None = None
        """the learner step at which the teacher was switched off (None = still on)"""
        self._teacher_accuracy: float | None = None

    @property
    def active(self) -> bool:
        return self.switched_off_at is None

    @property
    def watching(self) -> bool:
        """Whether evaluations should compare the student with the teacher."""
        return self.active and self.config.switch_off == "student_passes_teacher"

    def distillation(self, batch: Positions, fraction: float) -> Distillation | None:
        """The teacher's term for `batch` at `fraction` of the budget (None once switched off)."""
        if not self.active:
            return None
        alpha = self.config.alpha.value(fraction)
        return self.teacher.distillation(
            batch, alpha=alpha, beta=self.config.beta_at(alpha), temperature=self.config.temperature
        )

    def compare(
        self,
        student: torch.nn.Module,
        *,
        position_sets: Sequence[PositionSet],
        games: int,
        seed: int,
    ) -> Comparison:
        """The student's network against the teacher's: accuracy against perfect play on
        `position_sets` (both networks alone), or, without sets, `games` games between them."""
        game, device = self.teacher.game, self.teacher.device
        rng = np.random.default_rng(seed)
        if position_sets:
            if self._teacher_accuracy is None:  # the teacher does not change
                teacher = network_player(game, self.teacher.network, simulations=0, device=device)
                self._teacher_accuracy = evaluate_player(teacher, position_sets, rng).accuracy
            player = network_player(game, student, simulations=0, device=device)
            return Comparison("accuracy", evaluate_player(player, position_sets, rng).accuracy, self._teacher_accuracy)
        mine = NetworkPlayer(game, student, device, ARENA_TEMPERATURE, frozen=True)
        theirs = NetworkPlayer(game, self.teacher.network, device, ARENA_TEMPERATURE, frozen=True)
        return Comparison("score_vs_teacher", play_match(game, mine, theirs, games, rng).score, 0.5)

    def update(self, step: int, comparison: Comparison) -> bool:
        """Switch the teacher off at `step` if it is watched and the student passes it; True when
        it fires now."""
        if not self.watching or not comparison.student_passes:
            return False
        self.switched_off_at = step
        return True
