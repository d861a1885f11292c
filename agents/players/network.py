"""`NetworkPlayer`: a network's policy played without search."""

from __future__ import annotations

import numpy as np
import torch

from boardzoo.agents.models import TorchEvaluator
from boardzoo.agents.search import sample_from_policy
from boardzoo.envs import Game, State


class NetworkPlayer:
    """Plays the network's policy without search: the most probable legal action
    (`temperature` 0) or a sample from softmax(logits / T) over the legal actions. `frozen`
    traces the network once for speed, `average_symmetries` averages its outputs over the
    board symmetries (see `TorchEvaluator`)."""

    def __init__(
        self,
        game: Game,
        model: torch.nn.Module,
        device: str | torch.device = "cpu",
        temperature: float = 0.0,
        *,
        frozen: bool = False,
        average_symmetries: bool = False,
    ) -> None:
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        self.evaluator = TorchEvaluator(game, model, device, frozen=frozen, average_symmetries=average_symmetries)
        self.temperature = temperature

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray:
        logits, _ = self.evaluator(state, np.zeros(state.batch_size, np.uint64))
        mask = state.legal_action_mask
        actions = np.full(state.batch_size, -1, np.int64)
        live = np.flatnonzero(mask.any(axis=1))
        masked = np.where(mask[live], logits[live], -np.inf)
        if self.temperature == 0:
            actions[live] = masked.argmax(axis=1)
        else:
            scaled = masked / self.temperature
            actions[live] = sample_from_policy(np.exp(scaled - scaled.max(axis=1, keepdims=True)), rng)
        return actions
