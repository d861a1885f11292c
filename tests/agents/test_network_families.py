"""The squeeze-and-excitation ResNet and the transformer: every game's shapes, masks, checkpoints,
training, frozen inference, FLOPs by hand, validation and the profile."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from boardzoo.agents.models.checkpoint import load_checkpoint, save_checkpoint
from boardzoo.agents.models.evaluator import TorchEvaluator
from boardzoo.agents.models.networks import NetworkConfig, build_network, count_parameters, flops_per_evaluation
from boardzoo.agents.models.profile import profile_network
from boardzoo.envs import make

FAMILIES = {
    "se_resnet": NetworkConfig(kind="se_resnet", blocks=1, channels=8),
    "se_resnet_pooled": NetworkConfig(kind="se_resnet", blocks=1, channels=8, global_pool=True),
    "transformer": NetworkConfig(kind="transformer", blocks=1, channels=16, heads=2, value_hidden=16),
}
SMALL_GAMES = {"connect_four": {}, "hex": {"board_size": 5}, "go": {"board_size": 5}, "tic_tac_toe": {}}


def played(game, batch_size: int, moves: int = 1):
    # A few positions past the start, so the masks are not all True.
    state = game.init(batch_size)
    rng = np.random.default_rng(0)
    for _ in range(moves):
        legal = state.legal_action_mask
        state = game.step(state, np.array([rng.choice(np.flatnonzero(row)) for row in legal]))
    return state


@pytest.mark.parametrize("config", FAMILIES.values(), ids=FAMILIES.keys())
def test_every_game_gets_finite_masked_logits_and_values_in_range(game, config):
    net = build_network(config, game.observation_shape, game.num_actions).eval()
    state = played(game, 3)
    obs, mask = torch.from_numpy(game.observe(state)), torch.from_numpy(state.legal_action_mask)
    with torch.inference_mode():
        logits, value = net(obs, mask)
        unmasked, _ = net(obs)
    assert logits.shape == (3, game.num_actions) and value.shape == (3,)
    assert torch.all(torch.isneginf(logits[~mask])) and torch.all(torch.isfinite(logits[mask]))
    assert torch.all(torch.isfinite(unmasked)) and torch.all(value.abs() < 1)
    torch.testing.assert_close(logits[mask], unmasked[mask])


def test_the_transformer_scores_cells_per_token_and_the_rest_from_pooled_tokens():
    config = FAMILIES["transformer"]
    torch.manual_seed(0)
    hex_net = build_network(config, (4, 5, 5), 25)
    assert hex_net.cell_policy and hex_net.policy_tokens is not None and hex_net.policy_pooled is None
    go_net = build_network(config, (4, 5, 5), 26)  # 25 cells + pass
    assert go_net.cell_policy and go_net.policy_pooled.out_features == 1
    columns = build_network(config, (2, 6, 7), 7)  # connect four: no action is a cell
    assert not columns.cell_policy and columns.policy_tokens is None and columns.policy_pooled.out_features == 7
    # A token's logit follows its own cell: changing one cell's planes moves that logit most.
    obs = torch.zeros(1, 4, 5, 5)
    changed = obs.clone()
    changed[0, 0, 2, 3] = 1.0
    with torch.inference_mode():
        hex_net.eval()
        delta = (hex_net(changed)[0] - hex_net(obs)[0]).abs()[0]
    assert delta.shape == (25,) and int(delta.argmax()) == 2 * 5 + 3


@pytest.mark.parametrize("kind", ["se_resnet", "transformer"])
def test_a_checkpoint_round_trip_is_bit_exact(tmp_path, kind):
    game = make("hex", board_size=5)
    torch.manual_seed(0)
    net = build_network(FAMILIES[kind], game.observation_shape, game.num_actions)
    net.train()(torch.rand(4, *game.observation_shape))  # move the BatchNorm statistics off their defaults
    path = save_checkpoint(tmp_path / kind, game, net.eval(), step=3)
    checkpoint = load_checkpoint(path, game)
    assert checkpoint.network_config == FAMILIES[kind]
    for name, tensor in net.state_dict().items():
        assert torch.equal(tensor, checkpoint.network.state_dict()[name]), name
    obs = torch.from_numpy(game.observe(played(game, 3)))
    with torch.inference_mode():
        assert torch.equal(net(obs)[0], checkpoint.network(obs)[0])
        assert torch.equal(net(obs)[1], checkpoint.network(obs)[1])


def test_a_config_without_the_heads_field_loads_as_before():
    old = {"kind": "resnet", "blocks": 2, "channels": 8, "head_channels": 2, "value_hidden": 16, "global_pool": False}
    assert NetworkConfig.from_dict(old) == NetworkConfig(blocks=2, channels=8, value_hidden=16)
    assert NetworkConfig.from_dict(NetworkConfig(kind="transformer", heads=8).to_dict()).heads == 8


@pytest.mark.parametrize("kind", ["se_resnet", "transformer"])
def test_a_few_training_steps_reduce_the_loss_on_a_fixed_batch(kind):
    game = make("connect_four")
    torch.manual_seed(0)
    net = build_network(FAMILIES[kind], game.observation_shape, game.num_actions).train()
    state = played(game, 16, moves=4)
    obs, mask = torch.from_numpy(game.observe(state)), torch.from_numpy(state.legal_action_mask)
    rng = np.random.default_rng(1)
    target_action = torch.tensor([rng.choice(np.flatnonzero(row)) for row in state.legal_action_mask])
    target_value = torch.rand(16) * 2 - 1
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)

    def loss() -> torch.Tensor:
        logits, value = net(obs, mask)
        return torch.nn.functional.cross_entropy(logits, target_action) + ((value - target_value) ** 2).mean()

    first = loss()
    for _ in range(60):
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()
    assert loss().item() < 0.5 * first.item()


@pytest.mark.parametrize("kind", ["se_resnet", "transformer"])
@pytest.mark.parametrize("game_id", ["connect_four", "go"])
def test_the_frozen_evaluator_traces_the_network_and_matches_eager_outputs(kind, game_id):
    game = make(game_id, **SMALL_GAMES[game_id])
    torch.manual_seed(0)
    net = build_network(FAMILIES[kind], game.observation_shape, game.num_actions)
    net.train()(torch.rand(4, *game.observation_shape))
    net.eval()
    frozen = TorchEvaluator(game, net, frozen=True)
    assert isinstance(frozen._inference, torch.jit.ScriptModule)  # traced, not the eager fallback
    state = played(game, 5)  # another batch size than the trace's
    logits, value = frozen(state, np.zeros(5))
    with torch.inference_mode():
        eager_logits, eager_value = net(torch.from_numpy(game.observe(state)))
    np.testing.assert_allclose(logits, eager_logits.numpy(), atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(value, eager_value.numpy(), atol=1e-5, rtol=1e-5)


def test_flops_and_parameters_match_a_hand_count():
    # se_resnet on a 3×3 board with 2 planes, 9 actions: the resnet count plus the squeeze.
    config = NetworkConfig(kind="se_resnet", blocks=1, channels=8, head_channels=1, value_hidden=2)
    net = build_network(config, (2, 3, 3), 9)
    stem, block, heads = 2 * 8 * 9 * 9, 2 * (8 * 8 * 9 * 9), 2 * (8 * 1 * 9)
    dense = 9 * 9 + 9 * 2 + 2 * 1
    squeeze = 8 * 2 + 2 * 8
    assert flops_per_evaluation(net) == 2 * (stem + block + heads + dense + squeeze)
    # transformer, width D = 8, T = 9 tokens, one layer, 9 cell actions, value_hidden 2
    config = NetworkConfig(kind="transformer", blocks=1, channels=8, heads=2, value_hidden=2)
    net = build_network(config, (2, 3, 3), 9)
    d, t = 8, 9
    embed = t * 2 * d
    layer = t * (d * 3 * d + d * d + d * 4 * d + 4 * d * d) + 2 * t * t * d  # linears + QKᵀ and AV
    heads = t * d + 2 * d * 2 + 2 * 1  # per-token policy, value head on the pooled [2D]
    assert flops_per_evaluation(net) == 2 * (embed + layer + heads)
    linears = (2 * d + d) + (d * 3 * d + 3 * d) + (d * d + d) + (d * 4 * d + 4 * d) + (4 * d * d + d)
    norms = 3 * 2 * d
    assert count_parameters(net) == t * d + linears + norms + (d + 1) + (2 * d * 2 + 2) + (2 + 1)


def test_bad_family_configs_are_rejected_by_name():
    with pytest.raises(ValueError, match=r"kind must be one of \['resnet', 'se_resnet', 'mlp', 'transformer'\]"):
        NetworkConfig(kind="vit")
    with pytest.raises(ValueError, match="heads must be a positive int, got 0"):
        NetworkConfig(kind="transformer", heads=0)
    with pytest.raises(ValueError, match=r"channels must be a multiple of heads \(3\) for a transformer, got 32"):
        NetworkConfig(kind="transformer", channels=32, heads=3)
    NetworkConfig(kind="resnet", channels=32, heads=3)  # heads only matter to a transformer


def test_the_profile_counts_and_times_the_network_without_changing_it():
    game = make("tic_tac_toe")
    net = build_network(FAMILIES["transformer"], game.observation_shape, game.num_actions).train()
    profile = profile_network(net, "cpu", batch_sizes=(1, 8), repeats=1)
    assert profile.parameters == count_parameters(net)
    assert profile.flops_per_evaluation == flops_per_evaluation(net)
    assert set(profile.evaluations_per_second) == {1, 8}
    assert all(rate > 0 for rate in profile.evaluations_per_second.values())
    assert profile.device == "cpu" and net.training
    with pytest.raises(ValueError, match="batch_sizes entry must be a positive int, got 0"):
        profile_network(net, batch_sizes=(1, 0))
    with pytest.raises(ValueError, match="repeats must be a positive int, got 0"):
        profile_network(net, repeats=0)
