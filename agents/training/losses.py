"""The policy-value loss terms every network trainer minimises and logs, with the optional
knowledge-distillation term (Hinton et al. 2015) that a teacher adds.

Without a teacher: cross-entropy -Σ_a π(a) log p(a) to the data's policy target π, and the value
MSE to (1 - r) z + r q. With a `Distillation`: the policy loss becomes
α · KL(t_T ‖ p_T) · T² + (1 - α) · cross-entropy, where t_T and p_T are the teacher's and the
student's distributions over the legal moves at temperature T (the T² keeps the gradient's scale
independent of T), and the value target becomes β · teacher value + (1 - β) · the data's target.
Shapes: K positions, A actions.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from boardzoo.agents.models import PolicyValueNet
from boardzoo.agents.training.positions import Positions
from boardzoo.agents.training.targets import mixed_value_target


@dataclass(frozen=True)
class Distillation:
    """A teacher's targets for one batch and their weights.

    Attributes:
      logits: float[K, A], the teacher's policy logits (-inf where it gives no probability:
        illegal moves, or moves its search never visited).
      value: float[K], the teacher's value for the player to move.
      alpha: weight of the distillation term; 1 - alpha weighs the cross-entropy to the data's policy.
      beta: share of the teacher's value in the value target.
      temperature: T of both distributions in the distillation term.
    """

    logits: torch.Tensor
    value: torch.Tensor
    alpha: float
    beta: float
    temperature: float = 1.0

    def __post_init__(self) -> None:
        for name in ("alpha", "beta"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        if not self.temperature > 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")


def distillation_kl(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """float[K]: KL(teacher_T ‖ student_T) · T² of each position, over the teacher's support.

    Args:
      student_logits: float[K, A], -inf at illegal moves.
      teacher_logits: float[K, A], -inf where the teacher gives no probability.
      temperature: T (> 0); both distributions are softmax(logits / T).

    Returns:
      The KL terms; exactly 0 where the two logits rows are equal.
    """
    teacher_log = torch.log_softmax(teacher_logits / temperature, dim=1)
    student_log = torch.log_softmax(student_logits / temperature, dim=1)
    teacher_p = teacher_log.exp()
    difference = (teacher_log - student_log).masked_fill(teacher_p <= 0, 0.0)  # -inf - -inf is nan
    return (teacher_p * difference).sum(dim=1) * temperature**2


def policy_value_losses(
    network: PolicyValueNet,
    batch: Positions,
    q_ratio: float,
    device: torch.device,
    distillation: Distillation | None = None,
) -> dict[str, torch.Tensor]:
    """The loss terms and metrics of one batch (tensors; without the value weight, the policy loss
    is `policy_cross_entropy`, or `policy_loss` when a teacher's `distillation` is given)."""
    observation = torch.from_numpy(batch.observation).to(device)
    legal = torch.from_numpy(batch.legal).to(device)
    target_policy = torch.from_numpy(batch.policy).to(device)
    target_value = torch.from_numpy(mixed_value_target(batch.z, batch.q, q_ratio)).to(device)
    if distillation is not None:
        beta = distillation.beta
        target_value = beta * distillation.value.to(device) + (1.0 - beta) * target_value
    logits, value = network(observation, legal)
    log_p = torch.log_softmax(logits, dim=1).masked_fill(~legal, 0.0)
    cross_entropy = -(target_policy * log_p).sum(dim=1).mean()
    target_log = torch.log(target_policy.clamp_min(1e-12))
    kl = (target_policy * (target_log - log_p)).masked_fill(target_policy <= 0, 0.0).sum(dim=1).mean()
    entropy = -(log_p.exp() * log_p).sum(dim=1).mean()
    value_mse = torch.mean((value - target_value) ** 2)
    terms = {"policy_cross_entropy": cross_entropy, "value_mse": value_mse, "policy_entropy": entropy, "policy_kl": kl}
    if distillation is not None:
        terms |= _distillation_terms(logits, value, cross_entropy, distillation, device)
    return terms


def _distillation_terms(
    logits: torch.Tensor, value: torch.Tensor, cross_entropy: torch.Tensor, distillation: Distillation, device
) -> dict[str, torch.Tensor]:
    teacher_logits = distillation.logits.to(device)
    temperature = distillation.temperature
    distill = distillation_kl(logits, teacher_logits, temperature).mean()
    with torch.no_grad():  # at T = 1, for the logs: how far the student's policy is from the teacher's
        teacher_kl = distill if temperature == 1.0 else distillation_kl(logits, teacher_logits, 1.0).mean()
        teacher_value_mse = torch.mean((value - distillation.value.to(device)) ** 2)
    alpha = distillation.alpha
    return {
        "distill_kl": distill,
        "teacher_kl": teacher_kl.detach(),
        "teacher_value_mse": teacher_value_mse,
        "policy_loss": alpha * distill + (1.0 - alpha) * cross_entropy,
    }
