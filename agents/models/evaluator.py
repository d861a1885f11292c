"""The bridge between torch networks and the (torch-free) search: a batched evaluator.

evaluator = TorchEvaluator(game, model, device="cuda")   # model(obs) -> (logits, value)
output = search(game, states, evaluator, SearchConfig(simulations=32), keys)
"""

from __future__ import annotations

import time

import numpy as np
import torch

from boardzoo.envs import Game, State


class TorchEvaluator:
    """Evaluates leaves with `model(observation float32[K, C, H, W]) -> (logits[K, A], value[K])`.

    One forward pass per call, under `torch.inference_mode()`, on `device`. Illegal actions
    are masked by the search. `forward_seconds` accumulates the time spent in the forward
    pass (transfers included), so callers can see the network's share of a search.
    """

    def __init__(self, game: Game, model: torch.nn.Module, device: str | torch.device = "cpu") -> None:
        self.game = game
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.forward_seconds = 0.0
        self.calls = 0

    def __call__(self, state: State, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        observation = self.game.observe(state)
        start = time.perf_counter()
        with torch.inference_mode():
            logits, value = self.model(torch.from_numpy(observation).to(self.device))
            logits_np = logits.float().cpu().numpy()
            value_np = value.float().reshape(-1).cpu().numpy()
        self.forward_seconds += time.perf_counter() - start
        self.calls += 1
        if logits_np.shape != (state.batch_size, self.game.num_actions) or value_np.shape != (state.batch_size,):
            raise ValueError(
                f"model returned logits {logits_np.shape} and value {value_np.shape}; expected "
                f"({state.batch_size}, {self.game.num_actions}) and ({state.batch_size},)"
            )
        return logits_np, value_np
