"""The torch evaluator: shapes, masking by the search, and a clear error for a wrong model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from boardzoo.agents.models import NetworkConfig, TorchEvaluator, build_network
from boardzoo.agents.search import SearchConfig, search
from boardzoo.envs import make, sample_legal_actions


class TinyNet(torch.nn.Module):
    def __init__(self, channels: int, cells: int, actions: int) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(channels * cells, 16), torch.nn.ReLU())
        self.policy = torch.nn.Linear(16, actions)
        self.value = torch.nn.Linear(16, 1)

    def forward(self, x):
        h = self.body(x)
        return self.policy(h), torch.tanh(self.value(h)).squeeze(-1)


def test_torch_evaluator_drives_a_search():
    game = make("connect_four")
    torch.manual_seed(0)
    evaluator = TorchEvaluator(game, TinyNet(2, 42, 7))
    state = game.init(4)
    out = search(game, state, evaluator, SearchConfig(simulations=16), np.arange(4, dtype=np.uint64))
    assert out.visits.sum(axis=1).tolist() == [16] * 4
    assert evaluator.calls == 17 and evaluator.forward_seconds > 0
    np.testing.assert_allclose(out.prior.sum(axis=1), 1.0, rtol=1e-5)


def test_wrong_model_output_is_a_clear_error():
    game = make("tic_tac_toe")
    evaluator = TorchEvaluator(game, TinyNet(2, 9, 7))  # 7 actions instead of 9
    with pytest.raises(ValueError, match=r"model returned logits \(2, 7\) and value \(2,\); expected \(2, 9\)"):
        evaluator(game.init(2), np.zeros(2, np.uint64))


def test_a_bfloat16_evaluator_is_close_to_float32_and_refuses_bad_settings():
    game = make("connect_four")
    torch.manual_seed(0)
    network = build_network(NetworkConfig(blocks=1, channels=8), game.observation_shape, game.num_actions)
    state = game.init(4)
    keys = np.zeros(4, np.uint64)
    logits32, value32 = TorchEvaluator(game, network)(state, keys)
    logits16, value16 = TorchEvaluator(game, network, precision="bfloat16")(state, keys)
    assert logits16.dtype == np.float32 and value16.dtype == np.float32
    np.testing.assert_allclose(logits16, logits32, atol=0.05)
    np.testing.assert_allclose(value16, value32, atol=0.05)
    with pytest.raises(ValueError, match="precision must be one of"):
        TorchEvaluator(game, network, precision="float16")
    with pytest.raises(ValueError, match="frozen evaluator runs in float32"):
        TorchEvaluator(game, network, frozen=True, precision="bfloat16")


def test_auto_precision_is_bfloat16_only_where_the_cpu_does_it_natively(monkeypatch):
    from boardzoo.agents.models import evaluator as module

    for native, expected in ((True, "bfloat16"), (False, "float32")):
        monkeypatch.setattr(module, "cpu_has_native_bf16", lambda native=native: native)
        assert module.resolve_precision("auto", "cpu") == expected
        game = make("tic_tac_toe")
        network = build_network(NetworkConfig(blocks=1, channels=8), game.observation_shape, game.num_actions)
        assert module.TorchEvaluator(game, network, precision="auto").precision == expected
        assert module.TorchEvaluator(game, network, precision="auto", frozen=True).precision == "float32"
    assert module.resolve_precision("float32", "cpu") == "float32"
    assert module.resolve_precision("bfloat16", "cpu") == "bfloat16"
    with pytest.raises(ValueError, match="precision must be one of"):
        module.resolve_precision("fp8", "cpu")


def _random_positions(game, batch, plies, seed):
    rng = np.random.default_rng(seed)
    state = game.init(batch)
    for _ in range(plies):
        state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))
    return state


@pytest.mark.parametrize(
    ("game_id", "params", "kind", "frozen"),
    [
        ("connect_four", {}, "resnet", False),
        ("go", {"board_size": 5}, "mlp", True),
        ("hex", {"board_size": 4}, "resnet", True),
    ],
)
def test_symmetry_averaging_is_the_mean_over_each_symmetry_mapped_back(game_id, params, kind, frozen):
    game = make(game_id, **params)
    torch.manual_seed(0)
    network = build_network(NetworkConfig(kind=kind, blocks=1, channels=8), game.observation_shape, game.num_actions)
    state = _random_positions(game, 6, 3, seed=1)
    evaluator = TorchEvaluator(game, network, frozen=frozen, average_symmetries=True)
    logits, value = evaluator(state, np.zeros(6, np.uint64))
    observation = game.observe(state)
    expected_logits, expected_values = [], []
    for symmetry in game.symmetries:
        with torch.inference_mode():
            seen_logits, seen_value = network.eval()(torch.from_numpy(symmetry.observation(observation)))
        expected_logits.append(seen_logits.numpy()[:, symmetry.action(np.arange(game.num_actions))])
        expected_values.append(seen_value.numpy().reshape(-1))
    assert len(game.symmetries) > 1 and evaluator.calls == 1
    np.testing.assert_allclose(logits, np.mean(expected_logits, axis=0), atol=1e-5)
    np.testing.assert_allclose(value, np.mean(expected_values, axis=0), atol=1e-5)
    assert not np.allclose(logits, expected_logits[0], atol=1e-3)  # the symmetries did differ


def test_a_symmetry_averaged_network_sees_mirrored_positions_as_mirror_images():
    # Play the same Connect Four games and their mirror images (column c <-> 6 - c): the averaged
    # network must give mirrored policies and equal values, whatever its weights.
    game = make("connect_four")
    torch.manual_seed(2)
    network = build_network(NetworkConfig(blocks=1, channels=8), game.observation_shape, game.num_actions)
    rng = np.random.default_rng(4)
    state, mirrored = game.init(8), game.init(8)
    for _ in range(5):
        actions = sample_legal_actions(state.legal_action_mask, rng)
        state, mirrored = game.step(state, actions), game.step(mirrored, 6 - actions)
    averaged = TorchEvaluator(game, network, average_symmetries=True)
    logits, value = averaged(state, np.zeros(8, np.uint64))
    mirror_logits, mirror_value = averaged(mirrored, np.zeros(8, np.uint64))
    np.testing.assert_allclose(mirror_logits, logits[:, ::-1], atol=1e-5)
    np.testing.assert_allclose(mirror_value, value, atol=1e-5)
    plain_logits, _ = TorchEvaluator(game, network)(state, np.zeros(8, np.uint64))
    plain_mirror, _ = TorchEvaluator(game, network)(mirrored, np.zeros(8, np.uint64))
    assert not np.allclose(plain_mirror, plain_logits[:, ::-1], atol=1e-3)  # not so without averaging


def test_symmetry_averaging_must_be_a_bool():
    game = make("tic_tac_toe")
    with pytest.raises(ValueError, match="average_symmetries must be True or False, got 1"):
        TorchEvaluator(game, TinyNet(3, 9, 9), average_symmetries=1)
