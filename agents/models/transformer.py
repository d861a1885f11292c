"""The transformer trunk of the "transformer" network kind: a small pre-norm encoder over the
board's cells.

Each cell is a token: a linear embedding of its C planes plus a learned positional embedding
(one per cell, so a trunk serves one board size). `blocks` encoder layers of width
`channels`, each `x + attention(LN(x))` then `x + feedforward(LN(x))` with a GELU feed-forward
of width `FEEDFORWARD × channels`, and a final LayerNorm. The output is reshaped back to a
board, [B, channels, H, W], so heads written for the conv tower (and the PPO features
extractor) accept it unchanged. Attention is `scaled_dot_product_attention` (about twice as fast
as softmax(Q·Kᵀ)·V on CPU at B = 256), which traces and freezes with `torch.jit`
(`TorchEvaluator(frozen=True)`).
"""

from __future__ import annotations

import torch
from torch import nn

FEEDFORWARD = 4
"""feed-forward width as a multiple of the model width"""


class SelfAttention(nn.Module):
    """Multi-head self-attention over tokens [B, T, D] -> [B, T, D] (no mask, no dropout)."""

    def __init__(self, channels: int, heads: int) -> None:
        super().__init__()
        self.channels = channels
        self.heads = heads
        self.qkv = nn.Linear(channels, 3 * channels)
        self.out = nn.Linear(channels, channels)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        # [B, T, 3D] -> 3 × [B, heads, T, D / heads]
        query, key, value = self.qkv(tokens).unflatten(2, (3, self.heads, -1)).permute(2, 0, 3, 1, 4).unbind(0)
        mixed = nn.functional.scaled_dot_product_attention(query, key, value)  # softmax(Q·Kᵀ/√d)·V
        return self.out(mixed.transpose(1, 2).flatten(2))

    def matmul_flops(self, output: torch.Tensor) -> int:
        """FLOPs (multiply-adds ×2) of the two attention matmuls, which are not `nn.Linear`
        layers: Q·Kᵀ and weights·V, each T·T·D multiply-adds per position, for `output` [B, T, D]."""
        batch, tokens, _ = output.shape
        return 2 * 2 * batch * tokens * tokens * self.channels


class EncoderLayer(nn.Module):
    """Pre-norm encoder layer: x + attention(LN(x)), then x + feedforward(LN(x))."""

    def __init__(self, channels: int, heads: int) -> None:
        super().__init__()
        self.attention_norm = nn.LayerNorm(channels)
        self.attention = SelfAttention(channels, heads)
        self.feedforward_norm = nn.LayerNorm(channels)
        self.feedforward = nn.Sequential(
            nn.Linear(channels, FEEDFORWARD * channels), nn.GELU(), nn.Linear(FEEDFORWARD * channels, channels)
        )

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        tokens = tokens + self.attention(self.attention_norm(tokens))
        return tokens + self.feedforward(self.feedforward_norm(tokens))

    def make_identity(self) -> None:
        """Zero both residual branches' output projections, so the layer returns its input
        (the function-preserving initialisation used to deepen a trained trunk)."""
        for linear in (self.attention.out, self.feedforward[2]):
            nn.init.zeros_(linear.weight)
            nn.init.zeros_(linear.bias)


class TransformerTrunk(nn.Module):
    """[B, C, H, W] -> [B, channels, H, W]: cells as tokens through `blocks` encoder layers."""

    def __init__(self, observation_shape: tuple[int, int, int], channels: int, blocks: int, heads: int) -> None:
        super().__init__()
        planes, self.height, self.width = observation_shape
        self.embed = nn.Linear(planes, channels)
        self.position = nn.Parameter(torch.empty(self.height * self.width, channels))
        nn.init.trunc_normal_(self.position, std=0.02)
        self.layers = nn.Sequential(*[EncoderLayer(channels, heads) for _ in range(blocks)])
        self.norm = nn.LayerNorm(channels)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        tokens = self.embed(obs.flatten(2).transpose(1, 2)) + self.position  # [B, T, D], T = H·W
        tokens = self.norm(self.layers(tokens))
        return tokens.transpose(1, 2).unflatten(2, (self.height, self.width))
