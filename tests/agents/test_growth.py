"""Net2Net growth: widened and deepened networks compute the same function, the optimizer state
carried over is what the optimizer would hold for the grown network, and bad requests are
refused by name."""

from __future__ import annotations

import pytest
import torch

from boardzoo.agents.models.growth import carry_optimizer_state, deepen, widen
from boardzoo.agents.models.networks import NetworkConfig, build_network, count_parameters
from boardzoo.envs import make

CONFIGS = {
    "resnet": NetworkConfig(kind="resnet", blocks=2, channels=8, value_hidden=16),
    "resnet_pooled": NetworkConfig(kind="resnet", blocks=2, channels=8, value_hidden=16, global_pool=True),
    "se_resnet": NetworkConfig(kind="se_resnet", blocks=2, channels=8, value_hidden=16, global_pool=True),
    "mlp": NetworkConfig(kind="mlp", blocks=2, channels=16, value_hidden=16),
    "transformer": NetworkConfig(kind="transformer", blocks=1, channels=16, heads=2, value_hidden=16),
}
WIDENABLE = ["resnet", "resnet_pooled", "se_resnet", "mlp"]
GAMES = {"connect_four": make("connect_four"), "hex5": make("hex", board_size=5)}


def trained_looking(kind: str, game, seed: int = 0):
    """A network whose batch-norm statistics and affine parameters are far from their defaults,
    so copying them wrongly shows in the outputs."""
    torch.manual_seed(seed)
    net = build_network(CONFIGS[kind], game.observation_shape, game.num_actions).train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.randn(8, *game.observation_shape))
        for module in net.modules():
            if isinstance(module, torch.nn.BatchNorm2d | torch.nn.LayerNorm):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    return net.eval()


def outputs(net, obs):
    with torch.inference_mode():
        return net(obs)


def assert_same_function(net, grown, game):
    obs = torch.rand(16, *game.observation_shape)
    (logits, value), (grown_logits, grown_value) = outputs(net, obs), outputs(grown, obs)
    assert logits.abs().max() > 0.01 and value.abs().max() > 1e-3  # not trivially zero
    torch.testing.assert_close(grown_logits, logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(grown_value, value, atol=1e-5, rtol=0)


@pytest.mark.parametrize("game_id", GAMES)
@pytest.mark.parametrize("kind", WIDENABLE)
def test_widening_keeps_logits_and_values(kind, game_id):
    game = GAMES[game_id]
    net = trained_looking(kind, game)
    before = {name: tensor.clone() for name, tensor in net.state_dict().items()}
    wider = widen(net, 2 * net.config.channels - 3, generator=torch.Generator().manual_seed(1))
    assert wider.config.channels == 2 * net.config.channels - 3 and not wider.training
    assert count_parameters(wider) > count_parameters(net)
    assert_same_function(net, wider, game)
    assert all(torch.equal(tensor, before[name]) for name, tensor in net.state_dict().items())  # untouched


@pytest.mark.parametrize("game_id", GAMES)
@pytest.mark.parametrize("kind", CONFIGS)
def test_deepening_keeps_logits_and_values(kind, game_id):
    game = GAMES[game_id]
    net = trained_looking(kind, game)
    deeper = deepen(net, net.config.blocks + 2, generator=torch.Generator().manual_seed(1))
    assert deeper.config.blocks == net.config.blocks + 2
    assert count_parameters(deeper) > count_parameters(net)
    assert_same_function(net, deeper, game)


def test_widening_keeps_the_function_in_train_mode_too():
    # Batch statistics of a copied channel equal its original's, so batch norm agrees as well.
    game = GAMES["hex5"]
    net = trained_looking("se_resnet", game).train()
    wider = widen(net, 12, generator=torch.Generator().manual_seed(2))
    assert wider.training
    obs = torch.rand(16, *game.observation_shape)
    for mine, theirs in zip(net(obs), wider(obs), strict=True):
        torch.testing.assert_close(theirs, mine, atol=1e-5, rtol=0)


@pytest.mark.parametrize("break_symmetry", [False, True])
def test_copies_split_their_units_outgoing_weights(break_symmetry):
    game = GAMES["connect_four"]
    net = trained_looking("resnet", game)
    wider = widen(net, 16, generator=torch.Generator().manual_seed(3), break_symmetry=break_symmetry)
    old = net.policy_conv[0].weight.detach()[:, :, 0, 0]  # [head channels, 8]
    new = wider.policy_conv[0].weight.detach()[:, :, 0, 0]  # [head channels, 16]
    source = wider._growth.sources["policy_conv.0.weight"].columns.source
    assert torch.equal(source[:8], torch.arange(8)) and set(source[8:].tolist()) <= set(range(8))
    for unit in range(8):
        copies = (source == unit).nonzero().flatten()
        torch.testing.assert_close(new[:, copies].sum(dim=1), old[:, unit])
        if len(copies) > 1 and not break_symmetry:
            torch.testing.assert_close(new[:, copies], (old[:, unit] / len(copies))[:, None].expand(-1, len(copies)))
        if len(copies) > 1 and break_symmetry:
            assert not torch.allclose(new[:, copies[0]], new[:, copies[1]])


def adam_state_after_one_step(net, obs, target):
    # lr=0: the state is filled from this batch's gradients and the weights do not move.
    optimizer = torch.optim.Adam(net.parameters(), lr=0.0)
    logits, value = net(obs)
    (torch.nn.functional.cross_entropy(logits, target) + value.square().mean()).backward()
    optimizer.step()
    optimizer.zero_grad()
    return optimizer


@pytest.mark.parametrize(("kind", "grow"), [(k, "widen") for k in WIDENABLE] + [("se_resnet", "deepen")])
def test_carried_adam_state_is_what_adam_holds_for_the_grown_network(kind, grow):
    game = GAMES["hex5"]
    net = trained_looking(kind, game).train()
    obs, target = torch.rand(16, *game.observation_shape), torch.randint(game.num_actions, (16,))
    old_optimizer = adam_state_after_one_step(net, obs, target)
    generator = torch.Generator().manual_seed(4)
    if grow == "widen":
        grown = widen(net, net.config.channels + 5, generator=generator)
    else:
        grown = deepen(net, net.config.blocks + 1, generator=generator)
    reference = adam_state_after_one_step(grown, obs, target)  # what Adam sees on the grown network
    carried = torch.optim.Adam(grown.parameters(), lr=1e-3)
    carry_optimizer_state(old_optimizer, net, grown, carried)
    old_names = {name for name, _ in net.named_parameters()}
    for name, parameter in grown.named_parameters():
        if name not in old_names:  # a new block: fresh state
            assert parameter not in carried.state, name
            continue
        for key in ("exp_avg", "exp_avg_sq"):
            expected, actual = reference.state[parameter][key], carried.state[parameter][key]
            if key == "exp_avg_sq":  # compare on the gradient's scale
                expected, actual = expected.sqrt(), actual.sqrt()
            assert torch.allclose(actual, expected, rtol=1e-3, atol=1e-6), (name, key, actual, expected)
        assert int(carried.state[parameter]["step"]) == 1
    grown(obs)[1].sum().backward()
    carried.step()  # the carried state fits the new shapes


def test_growth_is_reproducible_and_leaves_the_global_rng_alone():
    net = trained_looking("se_resnet", GAMES["connect_four"])

    def grow():
        deeper = deepen(net, 3, generator=torch.Generator().manual_seed(5))
        return widen(deeper, 12, generator=torch.Generator().manual_seed(6))

    rng_state = torch.random.get_rng_state()
    first = grow()
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    second = grow()
    for name, tensor in first.state_dict().items():
        assert torch.equal(tensor, second.state_dict()[name]), name


def test_bad_growth_requests_are_refused_by_name():
    game = GAMES["connect_four"]
    net = trained_looking("resnet", game)
    with pytest.raises(ValueError, match="channels must be an int >= 8, got 4"):
        widen(net, 4)
    with pytest.raises(ValueError, match="blocks must be an int >= 2, got 1"):
        deepen(net, 1)
    with pytest.raises(ValueError, match="channels must be an int >= 8, got 12.0"):
        widen(net, 12.0)
    transformer = trained_looking("transformer", game)
    allowed = r"\['resnet', 'se_resnet', 'mlp'\]"
    with pytest.raises(ValueError, match=rf"widen supports kind one of {allowed}, got 'transformer'"):
        widen(transformer, 32)
    shallow = build_network(NetworkConfig(kind="mlp", blocks=0), game.observation_shape, game.num_actions)
    with pytest.raises(ValueError, match="deepen needs an mlp with at least one hidden layer"):
        deepen(shallow, 2)
    optimizer = torch.optim.Adam(net.parameters())
    other = build_network(CONFIGS["resnet"], game.observation_shape, game.num_actions)
    with pytest.raises(ValueError, match="new_net must be a network returned by widen or deepen"):
        carry_optimizer_state(optimizer, net, other, torch.optim.Adam(other.parameters()))
    wider = widen(net, 12)
    with pytest.raises(ValueError, match="new_net was not grown from old_net"):
        carry_optimizer_state(optimizer, transformer, wider, torch.optim.Adam(wider.parameters()))
    with pytest.raises(ValueError, match="new_optimizer must be of type Adam like old_optimizer, got SGD"):
        carry_optimizer_state(optimizer, net, wider, torch.optim.SGD(wider.parameters()))
