"""The bridge between torch networks and the (torch-free) search: a batched evaluator.

evaluator = TorchEvaluator(game, model, device="cuda")   # model(obs) -> (logits, value)
output = search(game, states, evaluator, SearchConfig(simulations=32), keys)
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import torch

from boardzoo.agents.models.lean import LeanMLP
from boardzoo.envs import Game, State

PRECISIONS = ("float32", "bfloat16", "auto")
"""the arithmetic of an evaluator's forward pass ("auto": `resolve_precision`)"""
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
"""x86 CPU flags (Linux /proc/cpuinfo) of native bfloat16 arithmetic"""


def resolve_precision(precision: str, device: str | torch.device) -> str:
    """ "auto" -> "bfloat16" where `device` does bfloat16 natively (a CUDA GPU that supports it, a
    CPU with AVX-512 BF16 or AMX), else "float32"; other values are returned as they are. Where
    bf16 is emulated it is slower than float32, hence not a default everywhere."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision != "auto":
        return precision
    device = torch.device(device)
    if device.type == "cuda":
        return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
    return "bfloat16" if device.type == "cpu" and cpu_has_native_bf16() else "float32"


def cpu_has_native_bf16() -> bool:
    """Whether this machine's CPU flags include native bfloat16 arithmetic (Linux; False elsewhere)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return any(flag in line.split() for flag in NATIVE_BF16_FLAGS)
    except OSError:
        pass
    return False


class TorchEvaluator:
    """Evaluates leaves with `model(observation float32[K, C, H, W]) -> (logits[K, A], value[K])`.

    One forward pass per call, under `torch.inference_mode()`, on `device`. Illegal actions
    are masked by the search. `forward_seconds` accumulates the time spent in the forward
    pass (transfers included), so callers can see the network's share of a search.

    With `frozen=True` the model is traced once and frozen for inference (`torch.jit.freeze`:
    weights become constants, batch norm folds into the convolutions, no Python per layer):
    on this machine about 2x faster at batch 1 for a 2×128 MLP and at batch 256 for a 4×32
    ResNet. Later changes to the module's weights are then not seen, so it is for networks
    that no longer train (play, evaluation), not for self-play during training. A frozen MLP
    (kind "mlp") on the CPU runs as `LeanMLP` instead: one numba call per batch, about 10× less
    time per batch-1 call than the traced module (`models/lean.py`).

    With `precision="bfloat16"` the forward pass runs under `torch.autocast` in bfloat16
    (outputs returned as float32): on CPUs with native bf16 (AVX-512 BF16, AMX) about 1.8x the
    positions/s of float32 at batch 256 for a 4×32 ResNet (benchmarks/inference.py); logits
    differ by about 1e-3. It is not combined with `frozen` (the eager module is used).
    `precision="auto"` picks bfloat16 where the device does it natively (`resolve_precision`).

    With `average_symmetries=True` every position is evaluated under each of the game's board
    symmetries (`Game.symmetries`; 2 for Connect Four and Hex, 8 for square boards) in one
    forward pass of S·K rows, and the results are mapped back and averaged: the mean value and
    the mean logits (the geometric mean of the policies, renormalised by the search). A
    network trained with symmetry augmentation then errs less (test-time augmentation, as in
    AlphaGo and KataGo), for S times the forward-pass work at the same simulation count.
    """

    def __init__(
        self,
        game: Game,
        model: torch.nn.Module,
        device: str | torch.device = "cpu",
        *,
        frozen: bool = False,
        precision: str = "float32",
        average_symmetries: bool = False,
    ) -> None:
        if not isinstance(average_symmetries, bool):
            raise ValueError(f"average_symmetries must be True or False, got {average_symmetries!r}")
        if frozen and precision not in ("float32", "auto"):
            raise ValueError(f"a frozen evaluator runs in float32; got precision={precision!r}")
        self.precision = "float32" if frozen else resolve_precision(precision, device)
        """the precision in use ("auto" resolved)"""
        self.game = game
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.forward_seconds = 0.0
        self.calls = 0
        self.frozen = frozen
        self.average_symmetries = average_symmetries
        actions = np.arange(game.num_actions)
        self._to_original = [symmetry.action(actions) for symmetry in game.symmetries]
        self._inference: torch.nn.Module | torch.jit.ScriptModule = self.model
        self._lean: LeanMLP | None = None
        if frozen and self.device.type == "cpu" and getattr(getattr(model, "config", None), "kind", None) == "mlp":
            self._lean = LeanMLP(self.model)
        elif frozen:
            self._inference = _freeze(self.model, (2, *game.observation_shape), self.device)

    def __call__(self, state: State, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.evaluate_observations(self.game.observe(state), keys)

    def evaluate_observations(self, observation: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The call on positions given as `game.observe(state)`, float32[K, C, H, W] (the search
        writes them for its leaves in its numba step; `search.evaluators`)."""
        batch = rows = len(observation)
        if self.average_symmetries and len(self.game.symmetries) > 1:
            observation = np.concatenate([symmetry.observation(observation) for symmetry in self.game.symmetries])
            rows = len(observation)
        start = time.perf_counter()
        logits, value = self._forward(observation)
        self.forward_seconds += time.perf_counter() - start
        self.calls += 1
        if logits.shape != (rows, self.game.num_actions) or value.shape != (rows,):
            raise ValueError(
                f"model returned logits {logits.shape} and value {value.shape}; expected "
                f"({rows}, {self.game.num_actions}) and ({rows},)"
            )
        if rows == batch:
            return logits, value
        # Row k of block i is position k seen through symmetry i: its logit for the original
        # action a sits at the transformed action symmetry.action(a).
        logits = logits.reshape(-1, batch, self.game.num_actions)
        mapped = [block[:, to_original] for block, to_original in zip(logits, self._to_original, strict=True)]
        return np.mean(mapped, axis=0, dtype=np.float32), value.reshape(-1, batch).mean(axis=0, dtype=np.float32)

    def _forward(self, observation: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # (logits float32[K, A], value float32[K]) of observations float32[K, C, H, W].
        if self._lean is not None:
            return self._lean(observation)
        autocast = torch.autocast(self.device.type, torch.bfloat16, enabled=self.precision == "bfloat16")
        with torch.inference_mode(), autocast:
            logits, value = self._inference(torch.from_numpy(observation).to(self.device))
            return logits.float().cpu().numpy(), value.float().reshape(-1).cpu().numpy()


def _freeze(model: torch.nn.Module, example_shape: tuple[int, ...], device: torch.device) -> torch.nn.Module:
    # torch.jit is deprecated upstream in favour of torch.compile, which needs a C++ toolchain
    # and long compiles on CPU; tracing still works in the torch versions we support, and a
    # model that cannot be traced runs eagerly.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            with torch.no_grad():
                traced = torch.jit.trace(model, (torch.zeros(example_shape, device=device),), check_trace=False)
            return torch.jit.freeze(traced.eval())
        except (RuntimeError, TypeError, AttributeError):
            return model
