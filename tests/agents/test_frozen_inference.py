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


@pytest.mark.parametrize("blocks", [0, 1, 3])
@pytest.mark.parametrize(("game_id", "params"), [("connect_four", {}), ("hex", {"board_size": 4})])
def test_a_frozen_mlp_runs_lean_and_matches_the_eager_network(game_id, params, blocks):
    from boardzoo.agents.models.lean import LeanMLP

    game = make(game_id, **params)
    torch.manual_seed(blocks)
    network = build_network(
        NetworkConfig(kind="mlp", blocks=blocks, channels=24), game.observation_shape, game.num_actions
    )
    frozen = TorchEvaluator(game, network, frozen=True)
    assert isinstance(frozen._lean, LeanMLP)  # the numba path, not the traced module
    state = game.step(game.init(7), sample_legal_actions(game.init(7).legal_action_mask, np.random.default_rng(1)))
    keys = np.zeros(7, np.uint64)
    expected = TorchEvaluator(game, network)(state, keys)
    for a, b in zip(expected, frozen(state, keys), strict=True):
        assert b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    with torch.no_grad():  # frozen: later changes to the weights are not seen
        network.policy_head.bias.add_(1.0)
    np.testing.assert_allclose(frozen(state, keys)[0], expected[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="kind 'mlp'"):
        LeanMLP(
            build_network(NetworkConfig(kind="resnet", blocks=1, channels=8), game.observation_shape, game.num_actions)
        )
