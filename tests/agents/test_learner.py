"""The learner: loss falls on a fixed batch, the losses are what they claim, augmentation keeps
positions and targets consistent."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from boardzoo.agents.models.networks import NetworkConfig, build_network
from boardzoo.agents.training.expert_iteration.learner import Learner, LearnerConfig
from boardzoo.agents.training.losses import policy_value_losses
from boardzoo.agents.training.positions import Positions, augment
from boardzoo.envs import make, sample_legal_actions


def random_positions(game, count: int, seed: int = 0) -> Positions:
    rng = np.random.default_rng(seed)
    state = game.init(count)
    for _ in range(3):
        state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))
    legal = state.legal_action_mask.copy()
    policy = np.where(legal, rng.random(legal.shape), 0).astype(np.float32)
    policy /= policy.sum(axis=1, keepdims=True)
    z = rng.choice([-1.0, 0.0, 1.0], size=count).astype(np.float32)
    q = rng.uniform(-1, 1, size=count).astype(np.float32)
    return Positions(game.observe(state), legal, policy, z, q)


def test_learner_steps_reduce_the_loss_on_a_fixed_batch():
    game = make("connect_four")
    torch.manual_seed(0)
    net = build_network(NetworkConfig(blocks=1, channels=16), game.observation_shape, game.num_actions)
    learner = Learner(
        net,
        LearnerConfig(learning_rate=3e-3, warmup_steps=0, lr_schedule="constant", augment=False),
        torch.device("cpu"),
    )
    batch = random_positions(game, 64)
    metrics = [learner.train_step(batch, progress=0.0) for _ in range(60)]
    # The cross-entropy cannot fall below the targets' entropy; what can vanish is the KL to
    # the targets and the value error.
    first, last = metrics[0], metrics[-1]
    assert last["loss"] < first["loss"]
    assert last["policy_kl"] < 0.3 * first["policy_kl"], (first, last)
    assert last["value_mse"] < 0.5 * first["value_mse"], (first, last)
    assert learner.steps == 60


def test_loss_terms_match_their_definitions():
    game = make("tic_tac_toe")
    torch.manual_seed(1)
    net = build_network(NetworkConfig(kind="mlp", blocks=1, channels=8), game.observation_shape, game.num_actions)
    batch = random_positions(game, 16)
    terms = policy_value_losses(net.eval(), batch, q_ratio=0.5, device=torch.device("cpu"))
    with torch.no_grad():
        logits, value = net(torch.from_numpy(batch.observation), torch.from_numpy(batch.legal))
    log_p = np.nan_to_num(torch.log_softmax(logits, 1).numpy(), neginf=0.0)
    p = np.exp(log_p) * batch.legal
    target = 0.5 * batch.z + 0.5 * batch.q
    np.testing.assert_allclose(terms["policy_cross_entropy"].item(), -(batch.policy * log_p).sum(1).mean(), rtol=1e-5)
    np.testing.assert_allclose(terms["value_mse"].item(), ((value.numpy() - target) ** 2).mean(), rtol=1e-5)
    np.testing.assert_allclose(terms["policy_entropy"].item(), -(p * log_p).sum(1).mean(), rtol=1e-5)
    pi = batch.policy
    kl = np.where(pi > 0, pi * (np.log(np.maximum(pi, 1e-12)) - log_p), 0).sum(1).mean()
    np.testing.assert_allclose(terms["policy_kl"].item(), kl, rtol=1e-4)


def test_augmentation_moves_targets_with_the_board():
    game = make("connect_four")  # symmetries: identity, mirror
    batch = random_positions(game, 200, seed=3)
    augmented = augment(game, batch, np.random.default_rng(0))
    mirrored = np.flatnonzero(~np.all(augmented.observation == batch.observation, axis=(1, 2, 3)))
    assert 40 < mirrored.size < 160  # about half, the rest kept (symmetric boards count as kept)
    np.testing.assert_array_equal(augmented.observation[mirrored], batch.observation[mirrored][..., ::-1])
    np.testing.assert_array_equal(augmented.policy[mirrored], batch.policy[mirrored][:, ::-1])
    np.testing.assert_array_equal(augmented.legal[mirrored], batch.legal[mirrored][:, ::-1])
    np.testing.assert_array_equal(augmented.z, batch.z)


def test_lr_and_q_ratio_schedules():
    config = LearnerConfig(learning_rate=1.0, warmup_steps=10, lr_final_fraction=0.1, q_ratio=0.0, q_ratio_final=0.5)
    assert config.lr_at(0, 0.0) == pytest.approx(0.1)
    assert config.lr_at(100, 0.0) == pytest.approx(1.0)
    assert config.lr_at(100, 1.0) == pytest.approx(0.1)
    assert config.lr_at(100, 0.5) == pytest.approx(0.55)
    assert config.q_ratio_at(0.5) == pytest.approx(0.25)
    with pytest.raises(ValueError, match=r"q_ratio_final must be a number in \[0, 1\] or None, got 2"):
        LearnerConfig(q_ratio_final=2)
