"""The torch evaluator: shapes, masking by the search, and a clear error for a wrong model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from boardzoo.agents.models import NetworkConfig, TorchEvaluator, build_network
from boardzoo.agents.search import SearchConfig, search
from boardzoo.envs import make


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
