"""Changing the network of an expert-iteration run: a growth schedule (net2net) and
architecture migration.

Growth (`TrainConfig.growth`): stages "FRACTION:BLOCKSxCHANNELS", e.g.

    boardzoo train connect_four --network.blocks 2 --network.channels 16 --growth 0.3:4x32 0.6:6x64

At FRACTION of the budget (`Budget.schedule_fraction`: the learner step over the step budget
when there is one, so a step-budget run grows at the same steps every time; else the clock) the
network is widened to CHANNELS, then deepened to BLOCKS (`boardzoo.agents.models.growth`), both
function-preserving, just before the next learner step. The learner's AdamW state is carried
through each of the two growths (`carry_optimizer_state`: a kept parameter keeps its moments and
step count, a copied unit gets its unit's moments scaled by its share, new blocks start fresh),
and the step count, the lr schedule and the replay buffer go on unchanged. Self-play, the
evaluations and the checkpoints use the grown network from then on, and a checkpoint records its
current size: a resumed run knows the stages done from that size (each stage grows, so the sizes
are distinct) and resumes exactly. Stages must have increasing fractions in (0, 1) and sizes that
never shrink; widening needs resnet, se_resnet or mlp, deepening any kind but an mlp without
hidden layers.

Migration (`TrainConfig.migrate`): resuming a run with another `network` (any family or size)
is refused unless `--migrate STEPS` is given:

    boardzoo train connect_four --out runs/c4 --network.kind se_resnet --network.blocks 6 --migrate 500

Then the run's current network is saved as `OUT/migrations/step_<S>/` and becomes the teacher of
a freshly initialised network of the new config. The new network first takes STEPS learner steps
on the run's replay buffer as it stands (self-play waits, so no game is played by a network that
has not learned yet) with the distillation term of `boardzoo.agents.training.losses` (teacher =
the old network, T = 1, α = β going linearly from 1 to 0 over those steps), with a fresh AdamW
whose lr warmup starts again; then self-play continues with the new network and the run goes on
as any run. The STEPS count as learner steps (budget, checkpoints, logs) but not against the
replay reuse ratio. The switch is checkpointed at once (the checkpoint at step S is replaced by
one of the new network), logged as a "migration" event in metrics.jsonl, and the end of the
distillation as "migration_finished"; a run stopped during the distillation resumes it exactly
(the teacher is read back from `OUT/migrations/`). A run with a growth schedule cannot migrate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from boardzoo.agents.models import NetworkConfig, PolicyValueNet
from boardzoo.agents.models.growth import DEEPENABLE, WIDENABLE, deepen, widen
from boardzoo.agents.models.run_layout import checkpoint_name
from boardzoo.agents.training.losses import Distillation
from boardzoo.agents.training.positions import Positions
from boardzoo.agents.training.teacher import AlphaSchedule, Teacher
from boardzoo.envs import Game

MIGRATIONS_FOLDER = "migrations"
"""where a run keeps the networks it migrated away from (its teachers), one checkpoint each"""
MIGRATION_ALPHA = AlphaSchedule("linear", 1.0, 0.0)
"""α (= β) of the migration's distillation over its steps"""
_STAGE = re.compile(r"^\s*(\d*\.?\d+)\s*:\s*(\d+)\s*x\s*(\d+)\s*$")


@dataclass(frozen=True)
class GrowthStage:
    """Grow the network to `blocks` × `channels` at `fraction` of the budget."""

    fraction: float
    blocks: int
    channels: int

    def __str__(self) -> str:
        return f"{self.fraction:g}:{self.blocks}x{self.channels}"


def parse_growth(stages: Sequence[str], network: NetworkConfig) -> tuple[GrowthStage, ...]:
    """The stages of a growth schedule starting from `network`, checked.

    Raises:
      ValueError: a stage is not "FRACTION:BLOCKSxCHANNELS", a fraction is outside (0, 1) or not
        above the previous one, a size shrinks or does not change, or `network`'s kind cannot
        be grown that way.
    """
    parsed = []
    fraction, blocks, channels = 0.0, network.blocks, network.channels
    for text in stages:
        match = _STAGE.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"growth stages are FRACTION:BLOCKSxCHANNELS (e.g. 0.3:4x32), got {text!r}")
        stage = GrowthStage(float(match[1]), int(match[2]), int(match[3]))
        if not fraction < stage.fraction < 1:
            raise ValueError(
                f"growth stage {text!r}: fractions must increase within (0, 1), "
                f"got {stage.fraction:g} after {fraction:g}"
            )
        if stage.blocks < blocks or stage.channels < channels or (stage.blocks, stage.channels) == (blocks, channels):
            raise ValueError(
                f"growth stage {text!r}: sizes must grow (blocks and channels never fewer, one of them more) "
                f"from {blocks}x{channels}"
            )
        if stage.channels > channels and network.kind not in WIDENABLE:
            raise ValueError(
                f"growth stage {text!r}: widening supports kind one of {list(WIDENABLE)}, got {network.kind!r}"
            )
        if stage.blocks > blocks and (network.kind not in DEEPENABLE or (network.kind == "mlp" and blocks == 0)):
            raise ValueError(
                f"growth stage {text!r}: deepening supports kind one of {list(DEEPENABLE)} (an mlp with at least "
                f"one hidden layer), got {network.kind!r} with {blocks} blocks"
            )
        parsed.append(stage)
        fraction, blocks, channels = stage.fraction, stage.blocks, stage.channels
    return tuple(parsed)


def stages_done(stages: Sequence[GrowthStage], initial: NetworkConfig, current: NetworkConfig) -> int:
    """How many of `stages` a network of config `current` has been through (from `initial`).

    Raises:
      ValueError: `current` is none of the schedule's sizes.
    """
    sizes = [(initial.blocks, initial.channels), *((s.blocks, s.channels) for s in stages)]
    size = (current.blocks, current.channels)
    if current.kind != initial.kind or size not in sizes:
        raise ValueError(
            f"a {current.kind} {size[0]}x{size[1]} network is none of the growth schedule's sizes "
            f"({', '.join(f'{b}x{c}' for b, c in sizes)} {initial.kind})"
        )
    return sizes.index(size)


def grow_network(net: PolicyValueNet, stage: GrowthStage, seed: int | Sequence[int]) -> list[PolicyValueNet]:
    """The networks of one growth stage, in order: `net` widened (if its channels grow), then
    deepened (if its blocks grow); the last one is the stage's network. Each is a single net2net
    step (so a learner can carry its optimizer through each); `seed` fixes the random choices."""
    generator = torch.Generator().manual_seed(int(np.random.SeedSequence(seed).generate_state(1)[0]))
    grown = []
    if stage.channels > net.config.channels:
        net = widen(net, stage.channels, generator=generator)
        grown.append(net)
    if stage.blocks > net.config.blocks:
        net = deepen(net, stage.blocks, generator=generator)
        grown.append(net)
    return grown


def migration_teacher_path(run: Path, step: int) -> Path:
    """Where a run keeps the network it migrated away from at `step`."""
    return Path(run) / MIGRATIONS_FOLDER / checkpoint_name(step)


class Migration:
    """The distillation phase of a migration: learner steps [start, start + steps) also fit the
    old network's policy and value (see the module docstring).

    Args:
      start: the learner step at which the run migrated.
      steps: how many learner steps the distillation lasts.
      teacher: the old network's checkpoint (`migration_teacher_path`).
      game, device: as the run's.
    """

    def __init__(self, start: int, steps: int, teacher: Path, game: Game, device: torch.device) -> None:
        self.start = start
        self.steps = steps
        self.teacher = Teacher(str(teacher), game, device)

    def active(self, step: int) -> bool:
        """Whether learner step `step` (0-based: the steps taken before it) is in the distillation."""
        return step < self.start + self.steps

    def distillation(self, batch: Positions, step: int) -> Distillation:
        """The teacher's term for the batch of learner step `step`."""
        alpha = MIGRATION_ALPHA.value((step - self.start) / self.steps)
        return self.teacher.distillation(batch, alpha=alpha, beta=alpha, temperature=1.0)
