"""Policy-value networks: shapes for every game, masking, size-independent heads, FLOPs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from boardzoo.agents.models.networks import NetworkConfig, build_network, count_parameters, flops_per_evaluation
from boardzoo.envs import make

CONFIGS = {
    "resnet": NetworkConfig(kind="resnet", blocks=1, channels=8),
    "pooled": NetworkConfig(kind="resnet", blocks=1, channels=8, global_pool=True),
    "mlp": NetworkConfig(kind="mlp", blocks=2, channels=16),
}


@pytest.mark.parametrize("config", CONFIGS.values(), ids=CONFIGS.keys())
def test_every_game_gets_logits_and_values_of_the_right_shape_with_illegal_actions_masked(game, config):
    net = build_network(config, game.observation_shape, game.num_actions).eval()
    state = game.init(3)
    state = game.step(state, np.flatnonzero(state.legal_action_mask[0])[:1].repeat(3))
    obs = torch.from_numpy(game.observe(state))
    mask = torch.from_numpy(state.legal_action_mask)
    logits, value = net(obs, mask)
    assert logits.shape == (3, game.num_actions) and value.shape == (3,)
    assert torch.all(torch.isneginf(logits[~mask])) and torch.all(torch.isfinite(logits[mask]))
    assert torch.all(value.abs() < 1)
    probabilities = torch.softmax(logits, dim=1)
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(3))


def test_a_pooled_network_serves_several_board_sizes():
    config = NetworkConfig(blocks=1, channels=8, global_pool=True)
    small, large = make("hex", board_size=5), make("hex", board_size=7)
    net = build_network(config, small.observation_shape, small.num_actions)
    assert net.cell_policy
    weights = net.state_dict()
    other = build_network(config, large.observation_shape, large.num_actions)
    other.load_state_dict(weights)  # same parameters, another board
    logits, _ = other.eval()(torch.from_numpy(large.observe(large.init(2))))
    assert logits.shape == (2, 49)
    go = make("go", board_size=5)
    logits, _ = build_network(config, go.observation_shape, go.num_actions).eval()(
        torch.from_numpy(go.observe(go.init(1)))
    )
    assert logits.shape == (1, 26)  # 25 cells + pass


def test_flops_and_parameters_match_a_hand_count():
    net = build_network(NetworkConfig(kind="mlp", blocks=1, channels=10, value_hidden=4), (2, 3, 3), 9)
    # linear 18->10, policy 10->9, value 10->4->1
    macs = 18 * 10 + 10 * 9 + 10 * 4 + 4 * 1
    assert flops_per_evaluation(net) == 2 * macs
    assert count_parameters(net) == macs + 10 + 9 + 4 + 1
    conv = build_network(NetworkConfig(blocks=1, channels=4, head_channels=1, value_hidden=2), (2, 3, 3), 9)
    stem, block, heads = 2 * 4 * 9 * 9, 2 * (4 * 4 * 9 * 9), 2 * (4 * 1 * 9)
    dense = 9 * 9 + 9 * 2 + 2 * 1
    assert flops_per_evaluation(conv) == 2 * (stem + block + heads + dense)


def test_bad_network_configs_are_rejected_by_name():
    with pytest.raises(ValueError, match="kind must be one of"):
        NetworkConfig(kind="vit")
    with pytest.raises(ValueError, match="channels must be a positive int, got 0"):
        NetworkConfig(channels=0)
    with pytest.raises(ValueError, match=r"unknown network config keys \['depth'\]"):
        NetworkConfig.from_dict({"depth": 3})
