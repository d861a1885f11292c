"""Behavioural cloning: the dataset round trip and a clone that reproduces a deterministic expert."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from boardzoo.agents.models.networks import NetworkConfig
from boardzoo.agents.players import UCTPlayer
from boardzoo.agents.players.loading import load_player
from boardzoo.agents.training.bc import BCConfig, policy_targets, train_bc
from boardzoo.agents.training.expert_data import ExpertDataset, generate_dataset
from boardzoo.envs import make

from .test_play_and_match import FirstLegal


def test_dataset_round_trip_and_contents(tmp_path):
    game = make("connect_four")
    data = generate_dataset(
        game,
        UCTPlayer(game, simulations=20),
        6,
        np.random.default_rng(0),
        expert_name="uct20",
        random_opening_plies=2,
        batch_size=4,
    )
    assert len(data) > 6 * 5 and data.has_policy.all()
    np.testing.assert_allclose(data.policy.sum(axis=1), 1.0, rtol=1e-5)
    assert data.legal[np.arange(len(data)), data.action].all()
    assert set(np.unique(data.z)) <= {-1.0, 0.0, 1.0}
    loaded = ExpertDataset.load(data.save(tmp_path / "d.npz"))
    for name in ("observation", "legal", "action", "policy", "has_policy", "z"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(data, name))
    assert loaded.metadata["expert"] == "uct20" and loaded.game().id == "connect_four"
    np.savez(tmp_path / "bad.npz", action=np.zeros(3))
    with pytest.raises(ValueError, match="not a boardzoo expert dataset: missing"):
        ExpertDataset.load(tmp_path / "bad.npz")
    # Without a search the policy falls back to the move.
    plain = generate_dataset(game, FirstLegal(), 2, np.random.default_rng(0))
    assert not plain.has_policy.any()
    np.testing.assert_array_equal(policy_targets(plain, "policy").argmax(axis=1), plain.action)


def test_bc_on_a_deterministic_expert_reproduces_its_moves(tmp_path):
    game = make("tic_tac_toe")
    data = generate_dataset(game, FirstLegal(), 200, np.random.default_rng(0), random_opening_plies=3)
    config = BCConfig(
        out=str(tmp_path / "bc"),
        network=NetworkConfig(kind="mlp", blocks=2, channels=64),
        steps=600,
        batch_size=128,
        learning_rate=3e-3,
        augment=False,
        value_weight=0.0,
        progress_bar=False,
    )
    torch.set_num_threads(1)
    path = train_bc(config, data)
    clone = load_player(path, "tic_tac_toe", simulations=0)
    # Replay the recorded positions through the clone: observations determine the positions here.
    from boardzoo.agents.models import TorchEvaluator

    evaluator: TorchEvaluator = clone.evaluator
    with torch.inference_mode():
        logits, _ = evaluator.model(torch.from_numpy(data.observation), torch.from_numpy(data.legal))
    agreement = (logits.argmax(dim=1).numpy() == data.action).mean()
    assert agreement == 1.0, agreement
