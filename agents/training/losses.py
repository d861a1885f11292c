"""The policy-value loss terms every network trainer minimises and logs."""

from __future__ import annotations

import torch

from boardzoo.agents.models import PolicyValueNet
from boardzoo.agents.training.positions import Positions
from boardzoo.agents.training.targets import mixed_value_target


def policy_value_losses(
    network: PolicyValueNet, batch: Positions, q_ratio: float, device: torch.device
) -> dict[str, torch.Tensor]:
    """The loss terms and metrics of one batch (tensors; `loss` is the one to minimise, without
    the value weight)."""
    observation = torch.from_numpy(batch.observation).to(device)
    legal = torch.from_numpy(batch.legal).to(device)
    target_policy = torch.from_numpy(batch.policy).to(device)
    target_value = torch.from_numpy(mixed_value_target(batch.z, batch.q, q_ratio)).to(device)
    logits, value = network(observation, legal)
    log_p = torch.log_softmax(logits, dim=1).masked_fill(~legal, 0.0)
    cross_entropy = -(target_policy * log_p).sum(dim=1).mean()
    target_log = torch.log(target_policy.clamp_min(1e-12))
    kl = (target_policy * (target_log - log_p)).masked_fill(target_policy <= 0, 0.0).sum(dim=1).mean()
    entropy = -(log_p.exp() * log_p).sum(dim=1).mean()
    value_mse = torch.mean((value - target_value) ** 2)
    return {"policy_cross_entropy": cross_entropy, "value_mse": value_mse, "policy_entropy": entropy, "policy_kl": kl}
