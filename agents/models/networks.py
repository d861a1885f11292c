"""Policy-value networks for any board observation shape, built from a frozen config.

    config = NetworkConfig(kind="resnet", blocks=4, channels=32)
    net = build_network(config, game.observation_shape, game.num_actions)
    logits, value = net(obs)              # obs float32[B, C, H, W] -> [B, A], [B] in (-1, 1)
    logits = net(obs, mask)[0]            # illegal actions set to -inf before any softmax

Four kinds:
- "resnet": AlphaZero's tower (conv-BN-ReLU stem, `blocks` residual blocks, policy and value
  heads of `head_channels` 1×1 convs).
- "se_resnet": the same tower with classic squeeze-and-excitation in every residual block
  (Hu et al. 2018; Leela Zero and Lc0 use it): the block's residual branch is scaled per
  channel by sigmoid(MLP(mean over the board)), squeezed to `channels // SE_RATIO` units,
  before the skip is added. It gives each block a global view of the board at the cost of two
  small linear layers.
- "mlp": fully connected layers over the flattened planes.
- "transformer": a pre-norm encoder over the cells as tokens (`boardzoo.agents.models.transformer`;
  `channels` is the model width, `heads` the attention heads). Its value head and its
  non-cell actions (connect four's columns, a pass) read the tokens' mean and max; when each
  action is a cell (hex, gomoku, go/othello with a trailing pass) a linear layer per token gives
  that cell's logit. `head_channels` and `global_pool` do not apply to it.
With `global_pool` the conv value head averages and maxes over the board (KataGo-style), and,
when each action is a cell, the conv policy head is a 1×1 conv per cell, so the same weights
serve several board sizes. Shapes: B batch, C/H/W planes, A actions, T = H·W tokens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from boardzoo.agents.models.transformer import SelfAttention, TransformerTrunk
from boardzoo.agents.validation import check_bools, check_choice, check_ints
from boardzoo.envs import Game

KINDS = ("resnet", "se_resnet", "mlp", "transformer")
CONV_KINDS = ("resnet", "se_resnet")
SE_RATIO = 4
"""squeeze-and-excitation: the squeeze has channels // SE_RATIO units (at least 1)"""


@dataclass(frozen=True)
class NetworkConfig:
    """The network's shape (JSON-serialisable; stored in every checkpoint)."""

    kind: str = "resnet"
    """"resnet" (conv tower), "se_resnet" (with squeeze-and-excitation), "mlp" (fully connected)
    or "transformer" (encoder over the cells)"""
    blocks: int = 4
    """residual blocks (resnet, se_resnet), hidden layers (mlp) or encoder layers (transformer)"""
    channels: int = 32
    """conv channels (resnet, se_resnet), hidden units (mlp) or model width (transformer)"""
    head_channels: int = 2
    """1×1 conv channels of the policy/value heads (resnet, se_resnet)"""
    value_hidden: int = 64
    """hidden units of the value head"""
    global_pool: bool = False
    """pool the value head over the board (and use a per-cell policy head where actions are cells;
    resnet, se_resnet; a transformer always does both)"""
    heads: int = 4
    """attention heads (transformer; must divide channels)"""

    def __post_init__(self) -> None:
        check_choice(self, "kind", KINDS)
        check_ints(self, ("blocks",), minimum=0)
        check_ints(self, ("channels", "head_channels", "value_hidden", "heads"))
        check_bools(self, ("global_pool",))
        if self.kind == "transformer" and self.channels % self.heads:
            raise ValueError(
                f"channels must be a multiple of heads ({self.heads}) for a transformer, got {self.channels}"
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> NetworkConfig:
        """The config `to_dict` wrote; a missing field takes its default (checkpoints written
        before a field existed load as they were built), an unknown one is refused."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(
                f"unknown network config keys {sorted(unknown)}; allowed: {sorted(cls.__dataclass_fields__)}"
            )
        return cls(**data)


def mask_logits(logits: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """logits[B, A] with illegal actions (mask False) set to -inf; rows with no legal action
    are left unmasked so a softmax over them stays finite."""
    if mask is None:
        return logits
    mask = mask.to(torch.bool)
    keep = mask | ~mask.any(dim=1, keepdim=True)
    return logits.masked_fill(~keep, float("-inf"))


class PolicyValueNet(nn.Module):
    """`forward(obs[B, C, H, W], mask[B, A] | None) -> (logits[B, A], value[B])`, value = tanh."""

    def __init__(self, config: NetworkConfig, observation_shape: tuple[int, int, int], num_actions: int) -> None:
        super().__init__()
        self.config = config
        self.observation_shape = tuple(int(x) for x in observation_shape)
        self.num_actions = int(num_actions)
        _, height, width = self.observation_shape
        cells = height * width
        per_cell = config.global_pool or config.kind == "transformer"
        self.cell_policy = per_cell and config.kind != "mlp" and self.num_actions in (cells, cells + 1)
        self.trunk, size = build_trunk(config, self.observation_shape)
        if config.kind == "mlp":
            self.policy_head: nn.Module = nn.Linear(size, self.num_actions)
            self.value_head: nn.Module = _value_head(size, config.value_hidden)
        elif config.kind == "transformer":
            # per-token logits for cell actions; the other actions from the pooled tokens
            self.policy_tokens = nn.Conv2d(size, 1, 1) if self.cell_policy else None
            others = self.num_actions - cells if self.cell_policy else self.num_actions
            self.policy_pooled = nn.Linear(2 * size, others) if others else None
            self.value_head = _value_head(2 * size, config.value_hidden)
        else:
            self._build_conv_heads(size, cells)

    def _build_conv_heads(self, size: int, cells: int) -> None:
        h = self.config.head_channels
        self.policy_conv = _conv_bn_relu(size, h, 1)
        self.value_conv = _conv_bn_relu(size, h, 1)
        if self.cell_policy:
            self.policy_cells = nn.Conv2d(h, 1, 1)
            self.policy_pass = nn.Linear(2 * h, 1) if self.num_actions == cells + 1 else None
        else:
            self.policy_head = nn.Linear(h * cells, self.num_actions)
        self.value_head = _value_head(2 * h if self.config.global_pool else h * cells, self.config.value_hidden)

    def forward(self, obs: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.trunk(obs)
        if self.config.kind == "mlp":
            logits = self.policy_head(features)
            value = self.value_head(features)
        elif self.config.kind == "transformer":
            pooled = _pool(features)
            parts = [] if self.policy_tokens is None else [self.policy_tokens(features).flatten(1)]
            if self.policy_pooled is not None:
                parts.append(self.policy_pooled(pooled))
            logits = parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)
            value = self.value_head(pooled)
        else:
            policy_features = self.policy_conv(features)
            value_features = self.value_conv(features)
            if self.cell_policy:
                logits = self.policy_cells(policy_features).flatten(1)
                if self.policy_pass is not None:
                    logits = torch.cat([logits, self.policy_pass(_pool(policy_features))], dim=1)
            else:
                logits = self.policy_head(policy_features.flatten(1))
            pooled = _pool(value_features) if self.config.global_pool else value_features.flatten(1)
            value = self.value_head(pooled)
        return mask_logits(logits, mask), torch.tanh(value.squeeze(1))


def _value_head(size: int, hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(size, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def build_trunk(config: NetworkConfig, observation_shape: tuple[int, int, int]) -> tuple[nn.Module, int]:
    """The shared body: (module, its output size). ResNet / SE-ResNet: conv-BN-ReLU stem and
    `blocks` residual blocks, [B, C, H, W] -> [B, channels, H, W] (size = channels; an
    `nn.Sequential`). Transformer: cells as tokens through `blocks` encoder layers, returned as
    a board, -> [B, channels, H, W] (size = channels). MLP: flatten and `blocks` hidden layers,
    -> [B, channels] (size = channels, or C·H·W with no hidden layer; an `nn.Sequential`)."""
    channels_in, height, width = observation_shape
    if config.kind == "mlp":
        layers: list[nn.Module] = [nn.Flatten()]
        size = channels_in * height * width
        for _ in range(config.blocks):
            layers += [nn.Linear(size, config.channels), nn.ReLU()]
            size = config.channels
        return nn.Sequential(*layers), size
    c = config.channels
    if config.kind == "transformer":
        return TransformerTrunk(observation_shape, c, config.blocks, config.heads), c
    block = SEResidualBlock if config.kind == "se_resnet" else ResidualBlock
    stem = [nn.Conv2d(channels_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
    return nn.Sequential(*stem, *[block(c) for _ in range(config.blocks)]), c


class ResidualBlock(nn.Module):
    """x + conv-BN-ReLU-conv-BN(x), then ReLU."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = _residual_body(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.body(x))


class SEResidualBlock(nn.Module):
    """x + body(x) · sigmoid(squeeze(mean of body(x) over the board)), then ReLU; body as in
    `ResidualBlock`, squeeze = Linear(channels, channels // SE_RATIO)-ReLU-Linear(…, channels)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = _residual_body(channels)
        hidden = se_channels(channels)
        self.squeeze = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(), nn.Linear(hidden, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        body = self.body(x)
        scale = torch.sigmoid(self.squeeze(body.mean(dim=(2, 3))))  # [B, channels]
        return torch.relu(x + body * scale[:, :, None, None])


def se_channels(channels: int) -> int:
    """Units of the squeeze-and-excitation bottleneck for a tower of `channels`."""
    return max(1, channels // SE_RATIO)


def _residual_body(channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels, channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels),
        nn.ReLU(),
        nn.Conv2d(channels, channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels),
    )


def _conv_bn_relu(channels_in: int, channels_out: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(channels_in, channels_out, kernel, bias=False), nn.BatchNorm2d(channels_out), nn.ReLU()
    )


def _pool(features: torch.Tensor) -> torch.Tensor:
    # [B, C, H, W] -> [B, 2C]: mean and max over the board.
    return torch.cat([features.mean(dim=(2, 3)), features.amax(dim=(2, 3))], dim=1)


def build_network(config: NetworkConfig, observation_shape: tuple[int, ...], num_actions: int) -> PolicyValueNet:
    """A freshly initialised network for observations [C, H, W] and A actions."""
    if len(observation_shape) != 3:
        raise ValueError(f"observation_shape must be (C, H, W), got {tuple(observation_shape)}")
    return PolicyValueNet(config, tuple(observation_shape), num_actions)  # type: ignore[arg-type]


def build_from_dict(entry: dict[str, Any], game: Game) -> tuple[NetworkConfig, PolicyValueNet]:
    """The "policy_value" family's entry point (see `boardzoo.agents.models.families`)."""
    config = NetworkConfig.from_dict({k: v for k, v in entry.items() if k != "family"})
    return config, build_network(config, game.observation_shape, game.num_actions)


def count_parameters(net: nn.Module) -> int:
    """Trainable parameters."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def flops_per_evaluation(net: PolicyValueNet) -> int:
    """Multiply-adds ×2 of one forward pass on one position: convolutions, linear layers
    (squeeze-and-excitation's included) and the transformer's two attention matmuls (Q·Kᵀ and
    weights·V, 2·T²·D multiply-adds per layer, counted by `SelfAttention.matmul_flops`).
    Element-wise work (batch/layer norm, activations, softmax, pooling, SE scaling, residual
    adds) is not counted."""
    total = 0

    def count(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
        nonlocal total
        if isinstance(module, nn.Conv2d):
            kernel = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
            total += 2 * kernel * output.numel()
        elif isinstance(module, nn.Linear):
            total += 2 * module.in_features * module.out_features * (output.numel() // module.out_features)
        elif isinstance(module, SelfAttention):
            total += module.matmul_flops(output)

    counted = nn.Conv2d | nn.Linear | SelfAttention
    hooks = [m.register_forward_hook(count) for m in net.modules() if isinstance(m, counted)]
    was_training = net.training
    try:
        net.eval()
        with torch.inference_mode():
            net(torch.zeros((1, *net.observation_shape), device=next(net.parameters()).device))
    finally:
        for hook in hooks:
            hook.remove()
        net.train(was_training)
    return total
