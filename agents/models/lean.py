"""Lean inference for small fully connected networks (kind "mlp") on the CPU.

A batch-1 search calls its evaluator once per simulation, and for a small MLP the arithmetic
(a 2×128 MLP on Connect Four: about 37k multiply-adds) costs far less than a torch call's fixed
overhead (dispatch, inference-mode and autocast guards, tensor wrapping: tens of µs even for a
traced and frozen module). `LeanMLP` copies the weights once into float32 numpy arrays and runs
the whole forward pass in one compiled numba call, so the cost per call is the arithmetic.

    lean = LeanMLP(network)                # a PolicyValueNet of kind "mlp", weights as they are now
    logits, value = lean(observation)      # float32[B, C, H, W] -> float32[B, A], float32[B]

It computes what the module computes in eval mode (linear layers, ReLU, tanh value) to float32
rounding (about 1e-6). `TorchEvaluator(frozen=True)` uses it for MLPs on the CPU.
"""

from __future__ import annotations

import numba
import numpy as np
import torch
from torch import nn

from boardzoo.agents.models.networks import PolicyValueNet


class LeanMLP:
    """A frozen copy of an MLP `PolicyValueNet`: `__call__(observation[B, C, H, W]) ->
    (logits float32[B, A], value float32[B])`, value = tanh of the value head."""

    def __init__(self, network: PolicyValueNet) -> None:
        if network.config.kind != "mlp":
            raise ValueError(f"LeanMLP runs networks of kind 'mlp', got {network.config.kind!r}")
        hidden = [layer for layer in network.trunk if isinstance(layer, nn.Linear)]
        value = [layer for layer in network.value_head if isinstance(layer, nn.Linear)]
        policy = network.policy_head
        if not isinstance(policy, nn.Linear) or len(value) != 2:
            raise ValueError("LeanMLP expects a linear policy head and a linear-ReLU-linear value head")
        self.num_inputs = int(np.prod(network.observation_shape))
        self.num_actions = network.num_actions
        # Weights transposed to [in, out] and contiguous: x[B, in] @ w[in, out] is one BLAS call.
        # The first hidden layer alone ([inputs, width]), the others stacked ([L - 1, width,
        # width]): the forward pass is one numba call with plain array arguments.
        width = hidden[0].out_features if hidden else 0
        self._layers = len(hidden)
        self._first = _transposed(hidden[0]) if hidden else np.zeros((0, 0), np.float32)
        self._first_bias = _bias(hidden[0]) if hidden else np.zeros(0, np.float32)
        rest = hidden[1:]
        self._rest = (
            np.stack([_transposed(layer) for layer in rest]) if rest else np.zeros((0, width, width), np.float32)
        )
        self._rest_bias = np.stack([_bias(layer) for layer in rest]) if rest else np.zeros((0, width), np.float32)
        self._policy, self._policy_bias = _transposed(policy), _bias(policy)
        self._value1, self._value1_bias = _transposed(value[0]), _bias(value[0])
        self._value2, self._value2_bias = _transposed(value[1]), _bias(value[1])

    def __call__(self, observation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.ascontiguousarray(observation, dtype=np.float32).reshape(observation.shape[0], -1)
        if x.shape[1] != self.num_inputs:
            raise ValueError(f"observation has {x.shape[1]} values per row; the network takes {self.num_inputs}")
        return _forward(
            x,
            self._layers,
            self._first,
            self._first_bias,
            self._rest,
            self._rest_bias,
            self._policy,
            self._policy_bias,
            self._value1,
            self._value1_bias,
            self._value2,
            self._value2_bias,
        )


def _transposed(layer: nn.Linear) -> np.ndarray:
    with torch.no_grad():
        return np.array(layer.weight.detach().cpu().numpy().T, dtype=np.float32, order="C", copy=True)


def _bias(layer: nn.Linear) -> np.ndarray:
    if layer.bias is None:
        return np.zeros(layer.out_features, np.float32)
    with torch.no_grad():
        return np.array(layer.bias.detach().cpu().numpy(), dtype=np.float32, copy=True)  # not a view


@numba.njit(cache=True)
def _forward(
    x, layers, first, first_bias, rest, rest_bias, policy, policy_bias, value1, value1_bias, value2, value2_bias
):
    # The whole pass: `layers` hidden linear-ReLU layers (first, then rest[0..layers-2]), then
    # the heads; (logits float32[B, A], value float32[B]).
    if layers > 0:
        x = _linear_relu(x, first, first_bias)
        for layer in range(layers - 1):
            x = _linear_relu(x, rest[layer], rest_bias[layer])
    return _heads(x, policy, policy_bias, value1, value1_bias, value2, value2_bias)


@numba.njit(cache=True)
def _linear_relu(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    # relu(x[B, in] @ weight[in, out] + bias[out]) -> [B, out]
    y = x @ weight
    rows, columns = y.shape
    for i in range(rows):
        for j in range(columns):
            v = y[i, j] + bias[j]
            y[i, j] = v if v > 0 else np.float32(0.0)
    return y


@numba.njit(cache=True)
def _heads(x, policy, policy_bias, value1, value1_bias, value2, value2_bias):
    # logits[B, A] = x @ policy + bias; value[B] = tanh(relu(x @ value1 + b1) @ value2 + b2)
    logits = x @ policy
    rows, actions = logits.shape
    for i in range(rows):
        for j in range(actions):
            logits[i, j] += policy_bias[j]
    hidden = _linear_relu(x, value1, value1_bias)
    out = hidden @ value2
    value = np.empty(rows, np.float32)
    for i in range(rows):
        value[i] = np.tanh(out[i, 0] + value2_bias[0])
    return logits, value
