"""The learner: AdamW on policy cross-entropy plus value MSE, with an lr schedule, gradient
clipping, symmetry augmentation and the metrics an expert-iteration run is read by.

Loss per position: -Σ_a π(a) log p(a) + value_weight * (v - target)², where π is the search's
policy target, p the network's masked softmax and target = (1 - r) z + r q.
Metrics: policy cross-entropy, value MSE, the network's policy entropy, KL(π || p) (how much
the search changed the prior), and the lr and q_ratio in use. Given a teacher's `Distillation`
for the batch, the step also fits the teacher (`boardzoo.agents.training.losses`) and logs its
terms and weights.

The network can change under the learner: `grow` moves it to a network grown by net2net
(`boardzoo.agents.models.growth`) with the optimizer state carried through the growth, and
`restart` to a new architecture with a fresh optimizer (architecture migration). Either way the
step count goes on, so the lr schedule (a function of the step and the budget's fraction) does
too; after `restart` the warmup runs again from that step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from boardzoo.agents.models import PolicyValueNet
from boardzoo.agents.models.growth import carry_optimizer_state
from boardzoo.agents.training.losses import Distillation, policy_value_losses
from boardzoo.agents.training.positions import Positions
from boardzoo.agents.training.targets import scheduled_q_ratio
from boardzoo.agents.validation import check_choice, check_ints, check_number, check_numbers

SCHEDULES = ("cosine", "constant")


@dataclass(frozen=True)
class LearnerConfig:
    """Optimisation of the network on replayed positions."""

    batch_size: int = 256
    """positions per learner step"""
    learning_rate: float = 2e-3
    """peak AdamW learning rate"""
    lr_schedule: str = "cosine"
    """"cosine" (to lr_final_fraction × peak at the end of the budget) or "constant", after warmup"""
    lr_final_fraction: float = 0.1
    """cosine: final lr as a fraction of the peak"""
    warmup_steps: int = 50
    """linear warmup of the lr"""
    weight_decay: float = 1e-4
    """AdamW weight decay"""
    grad_clip: float = 1.0
    """clip the gradient's global norm (0 = off)"""
    value_weight: float = 1.0
    """weight of the value loss"""
    q_ratio: float = 0.0
    """r at the start: value target (1 - r) z + r q"""
    q_ratio_final: float | None = None
    """r at the end of the budget, moved linearly (None = constant q_ratio)"""
    augment: bool = True
    """apply a random board symmetry of the game to each sampled position"""

    def __post_init__(self) -> None:
        check_choice(self, "lr_schedule", SCHEDULES)
        check_numbers(self, ("q_ratio", "lr_final_fraction"), low=0, high=1)
        check_number("q_ratio_final", self.q_ratio_final, low=0, high=1, optional=True)
        check_ints(self, ("batch_size",))
        check_ints(self, ("warmup_steps",), minimum=0)
        check_numbers(self, ("learning_rate",), low=0, low_open=True)
        check_numbers(self, ("weight_decay", "grad_clip", "value_weight"), low=0)

    def q_ratio_at(self, progress: float) -> float:
        return scheduled_q_ratio(
            self.q_ratio, self.q_ratio if self.q_ratio_final is None else self.q_ratio_final, progress
        )

    def lr_at(self, step: int, progress: float) -> float:
        warm = min(1.0, (step + 1) / self.warmup_steps) if self.warmup_steps else 1.0
        if self.lr_schedule == "constant":
            return self.learning_rate * warm
        floor = self.lr_final_fraction
        cosine = floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(max(progress, 0.0), 1.0)))
        return self.learning_rate * warm * cosine


class Learner:
    """Owns the optimizer; `train_step(batch, progress)` does one AdamW step.

    Args:
      network: trained in place.
      config: learner parameters.
      device: where the batch goes (the network must already be there).
    """

    def __init__(self, network: PolicyValueNet, config: LearnerConfig, device: torch.device) -> None:
        self.network = network
        self.config = config
        self.device = device
        self.optimizer = self._optimizer(network)
        self.steps = 0
        self.started_at = 0
        """the step at which the current optimizer started (the lr warmup counts from it)"""

    def _optimizer(self, network: PolicyValueNet) -> torch.optim.AdamW:
        config = self.config
        return torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)

    def grow(self, network: PolicyValueNet) -> None:
        """Train `network`, made from the current one by one `widen` or `deepen`, from now on. The
        optimizer state is carried through the growth (`carry_optimizer_state`: Adam's moments of a
        kept unit are copied, a copied unit's are scaled by its share; new blocks start fresh)."""
        optimizer = self._optimizer(network)
        carry_optimizer_state(self.optimizer, self.network, network, optimizer)
        self.network, self.optimizer = network, optimizer

    def restart(self, network: PolicyValueNet) -> None:
        """Train `network` (another architecture) from now on with a fresh optimizer; the lr
        warmup starts again at the current step."""
        self.network, self.optimizer = network, self._optimizer(network)
        self.started_at = self.steps

    def train_step(
        self, batch: Positions, progress: float, distillation: Distillation | None = None
    ) -> dict[str, float]:
        """One optimizer step on `batch`; `progress` in [0, 1] drives the lr and q_ratio schedules;
        `distillation`: a teacher's targets for the batch, fitted too."""
        config = self.config
        lr = config.lr_at(self.steps - self.started_at, progress)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        q_ratio = config.q_ratio_at(progress)
        self.network.train()
        terms = policy_value_losses(self.network, batch, q_ratio, self.device, distillation)
        policy_loss = terms["policy_cross_entropy"] if distillation is None else terms["policy_loss"]
        loss = policy_loss + config.value_weight * terms["value_mse"]
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = (
            torch.nn.utils.clip_grad_norm_(self.network.parameters(), config.grad_clip)
            if config.grad_clip > 0
            else torch.tensor(float("nan"))
        )
        self.optimizer.step()
        self.network.eval()
        self.steps += 1
        metrics = {name: float(value.detach()) for name, value in terms.items()}
        metrics.update(loss=float(loss.detach()), lr=lr, q_ratio=q_ratio, grad_norm=float(grad_norm))
        if distillation is not None:
            metrics.update(alpha=distillation.alpha, beta=distillation.beta)
        return metrics

    def state_dict(self) -> dict:
        return {"optimizer": self.optimizer.state_dict(), "steps": self.steps, "started_at": self.started_at}

    def load_state_dict(self, state: dict) -> None:
        self.optimizer.load_state_dict(state["optimizer"])
        self.steps = int(state["steps"])
        self.started_at = int(state.get("started_at", 0))
