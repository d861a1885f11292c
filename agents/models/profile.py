"""A network's size and speed in one record, for comparing families and sizes.

profile = profile_network(net, "cpu", batch_sizes=(1, 256))
profile.parameters, profile.flops_per_evaluation, profile.evaluations_per_second[256]
"""

from __future__ import annotations

import copy
import math
import statistics
import time
from dataclasses import dataclass

import torch

from boardzoo.agents.models.networks import PolicyValueNet, count_parameters, flops_per_evaluation
from boardzoo.agents.validation import check_int

POSITIONS_PER_REPEAT = 256
"""each timed repeat runs ceil(POSITIONS_PER_REPEAT / B) forward passes of batch B"""


@dataclass(frozen=True)
class NetworkProfile:
    """A network's size and measured speed on one device."""

    parameters: int
    """trainable parameters"""
    flops_per_evaluation: int
    """FLOPs of one position's forward pass (`flops_per_evaluation`)"""
    evaluations_per_second: dict[int, float]
    """batch size -> positions evaluated per second (median over the repeats)"""
    device: str
    """where it was measured"""


def profile_network(
    net: PolicyValueNet,
    device: str | torch.device = "cpu",
    *,
    batch_sizes: tuple[int, ...] = (1, 256),
    repeats: int = 5,
) -> NetworkProfile:
    """Count `net`'s parameters and FLOPs and time its forward pass on `device`.

    A copy of `net` is moved to `device` in eval mode (`net` itself is left as it was) and called
    eagerly under `torch.inference_mode()` on random observations [B, C, H, W]. For each batch
    size B, one untimed warm-up repeat is followed by `repeats` timed ones. Each repeat runs
    ceil(POSITIONS_PER_REPEAT / B) forward passes, so a repeat at B = 1 is not a single call
    lost in timer noise. CUDA is synchronised before the clock is read. The rate is the median
    repeat's positions per second. Other processes on the machine make it noisy.

    Args:
      net: the network to measure.
      device: where to run it ("cpu", "cuda", ...).
      batch_sizes: the batch sizes B to time, each a positive int.
      repeats: timed repeats per batch size, a positive int.

    Returns:
      The parameters, FLOPs per evaluation and evaluations per second for each batch size.
    """
    for batch_size in batch_sizes:
        check_int("batch_sizes entry", batch_size)
    if not batch_sizes:
        raise ValueError("batch_sizes must name at least one batch size, got ()")
    check_int("repeats", repeats)
    device = torch.device(device)
    model = copy.deepcopy(net).to(device).eval()
    rates = {}
    with torch.inference_mode():
        for batch_size in batch_sizes:
            obs = torch.rand((batch_size, *net.observation_shape), device=device).round()
            calls = math.ceil(POSITIONS_PER_REPEAT / batch_size)
            seconds = [_time(model, obs, calls, device) for _ in range(repeats + 1)][1:]
            rates[int(batch_size)] = calls * batch_size / statistics.median(seconds)
    return NetworkProfile(count_parameters(net), flops_per_evaluation(net), rates, str(device))


def _time(model: torch.nn.Module, obs: torch.Tensor, calls: int, device: torch.device) -> float:
    _synchronize(device)
    start = time.perf_counter()
    for _ in range(calls):
        model(obs)
    _synchronize(device)
    return time.perf_counter() - start


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
