"""A frozen (traced) evaluator gives the eager network's outputs, at other batch sizes too."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from boardzoo.agents.models import NetworkConfig, TorchEvaluator, build_network
from boardzoo.envs import make, sample_legal_actions


@pytest.mark.parametrize(
    ("game_id", "params", "config"),
    [
        ("connect_four", {}, NetworkConfig(kind="mlp", blocks=2, channels=32)),
        ("connect_four", {}, NetworkConfig(kind="resnet", blocks=2, channels=16)),
        ("hex", {"board_size": 5}, NetworkConfig(kind="resnet", blocks=1, channels=8, global_pool=True)),
        ("go", {"board_size": 5}, NetworkConfig(kind="resnet", blocks=1, channels=8, global_pool=True)),
    ],
)
def test_frozen_evaluator_matches_the_eager_one(game_id, params, config):
    game = make(game_id, **params)
    torch.manual_seed(0)
    network = build_network(config, game.observation_shape, game.num_actions)
    with torch.no_grad():  # non-trivial batch-norm statistics, so folding them is tested
        for module in network.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)
                module.running_var.uniform_(0.5, 2.0)
    rng = np.random.default_rng(0)
    for batch in (1, 5, 64):
        state = game.init(batch)
        for _ in range(3):
            state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))
        keys = np.zeros(batch, np.uint64)
        eager = TorchEvaluator(game, network)(state, keys)
        frozen = TorchEvaluator(game, network, frozen=True)(state, keys)
        for a, b in zip(eager, frozen, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
