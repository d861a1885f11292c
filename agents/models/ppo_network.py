"""The PPO policy as a boardzoo network family ("sb3_maskable_ppo"): our conv trunk as an SB3
features extractor under SB3's policy/value MLP heads, adapted to the `(obs, mask) -> (logits,
value)` contract so a PPO policy plays as a `NetworkPlayer` or guides a search.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

from boardzoo.agents.models.networks import NetworkConfig, build_trunk, mask_logits
from boardzoo.envs import Game

FAMILY = "sb3_maskable_ppo"


@dataclass(frozen=True)
class PPONetworkConfig:
    """The PPO policy's shape: our trunk plus SB3's policy and value MLP heads."""

    trunk: NetworkConfig = field(default_factory=lambda: NetworkConfig(kind="resnet", blocks=4, channels=32))
    """conv (or MLP) trunk, as in expert iteration"""
    pi: tuple[int, ...] = (64,)
    """hidden layers of the policy head"""
    vf: tuple[int, ...] = (64,)
    """hidden layers of the value head"""

    def to_dict(self) -> dict[str, Any]:
        return {"family": FAMILY, "trunk": self.trunk.to_dict(), "pi": list(self.pi), "vf": list(self.vf)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PPONetworkConfig:
        return cls(NetworkConfig.from_dict(data["trunk"]), tuple(data["pi"]), tuple(data["vf"]))


class TrunkExtractor(BaseFeaturesExtractor):
    """Observation [B, C, H, W] -> features [B, F]: the expert-iteration trunk, then a 1×1 conv
    to `head_channels` planes, flattened (or the MLP trunk's last hidden layer)."""

    def __init__(self, observation_space: spaces.Box, config: NetworkConfig) -> None:
        _, height, width = observation_space.shape
        trunk, size = build_trunk(config, tuple(observation_space.shape))
        features = size if config.kind == "mlp" else config.head_channels * height * width
        super().__init__(observation_space, features)
        if config.kind == "mlp":
            self.body = trunk
            return
        head = [nn.Conv2d(size, config.head_channels, 1, bias=False), nn.BatchNorm2d(config.head_channels), nn.ReLU()]
        self.body = nn.Sequential(trunk, *head, nn.Flatten())

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.body(observations)


def ppo_policy_kwargs(config: PPONetworkConfig) -> dict[str, Any]:
    """`policy_kwargs` for MaskablePPO that build this network."""
    return {
        "features_extractor_class": TrunkExtractor,
        "features_extractor_kwargs": {"config": config.trunk},
        "net_arch": {"pi": list(config.pi), "vf": list(config.vf)},
    }


class PPONetwork(nn.Module):
    """A MaskablePPO policy as a boardzoo network: `forward(obs, mask) -> (logits[B, A], value[B])`
    with illegal logits at -inf and the value clipped to [-1, 1]."""

    def __init__(self, policy: MaskableActorCriticPolicy, config: PPONetworkConfig) -> None:
        super().__init__()
        self.policy = policy
        self.config = config

    def forward(self, obs: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.policy.extract_features(obs, self.policy.features_extractor)
        latent_pi, latent_vf = self.policy.mlp_extractor(features)
        logits = self.policy.action_net(latent_pi)
        value = self.policy.value_net(latent_vf).squeeze(-1).clamp(-1.0, 1.0)
        return mask_logits(logits, mask), value


def build_ppo_network(config: PPONetworkConfig, game: Game) -> PPONetwork:
    """A fresh policy (as SB3 would build it inside MaskablePPO) wrapped as a `PPONetwork`."""
    observation_space = spaces.Box(0.0, 1.0, game.observation_shape, np.float32)
    policy = MaskableActorCriticPolicy(
        observation_space, spaces.Discrete(game.num_actions), lambda _: 0.0, **ppo_policy_kwargs(config)
    )
    return PPONetwork(policy, config)


def build_from_dict(entry: dict[str, Any], game: Game) -> tuple[PPONetworkConfig, PPONetwork]:
    """The "sb3_maskable_ppo" family's entry point (see `boardzoo.agents.models.families`)."""
    config = PPONetworkConfig.from_dict(entry)
    return config, build_ppo_network(config, game)
