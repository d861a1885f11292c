"""PPO baseline: the self-play pool rotates snapshots, checkpoints load as players."""

from __future__ import annotations

import numpy as np
import torch

from boardzoo.agents.models.networks import NetworkConfig
from boardzoo.agents.models.ppo_network import PPONetworkConfig, build_ppo_network
from boardzoo.agents.players import RandomPlayer
from boardzoo.agents.players.loading import load_player
from boardzoo.agents.players.match import play_match
from boardzoo.agents.training.ppo import PPOConfig, PPOTrainer, SnapshotPool
from boardzoo.envs import make


def tiny_config(out, **changes) -> PPOConfig:
    network = PPONetworkConfig(trunk=NetworkConfig(blocks=1, channels=8))
    settings = dict(
        game="tic_tac_toe",
        out=str(out),
        minutes=None,
        steps=1536,
        num_envs=16,
        n_steps=16,
        batch_size=128,
        n_epochs=1,
        network=network,
        pool_size=3,
        snapshot_interval=256,
        checkpoint_interval=1024,
        progress_bar=False,
        threads=1,
    )
    settings.update(changes)
    return PPOConfig(**settings)


def test_the_pool_keeps_the_newest_snapshots_and_the_opponent_rotates(tmp_path):
    trainer = PPOTrainer(tiny_config(tmp_path / "run"))
    drawn = []
    original_draw = trainer.pool.draw
    trainer.pool.draw = lambda rng: drawn.append(original_draw(rng)) or drawn[-1]  # type: ignore[method-assign]
    path = trainer.run()
    pool = trainer.pool
    assert len(pool.snapshots) == 3  # 1 initial + 6 taken (every 256 of 1536 steps), newest 3 kept
    first, last = pool.snapshots[0], pool.snapshots[-1]
    changed = [k for k in first if first[k].dtype.is_floating_point and not torch.equal(first[k], last[k])]
    assert changed, "snapshots should differ as the learner trains"
    assert len(drawn) == 1536 // (16 * 16) and len(set(drawn)) > 1  # one draw per rollout, not always the same
    player = load_player(path, "tic_tac_toe", simulations=0)
    result = play_match(make("tic_tac_toe"), player, RandomPlayer(), 8, np.random.default_rng(0))
    assert result.outcome.shape == (8,)


def test_resume_continues_from_the_last_checkpoint(tmp_path):
    out = tmp_path / "run"
    PPOTrainer(tiny_config(out, steps=1024)).run()
    trainer = PPOTrainer(tiny_config(out, steps=1536))
    path = trainer.run()
    assert path.name == "step_0000001536" and trainer.model.num_timesteps == 1536


def test_pool_player_only_plays_legal_moves():
    game = make("connect_four")
    network = build_ppo_network(PPONetworkConfig(trunk=NetworkConfig(blocks=1, channels=8)), game)
    pool = SnapshotPool(game, network, size=2)
    pool.add(network)
    pool.draw(np.random.default_rng(0))
    state = game.init(64)
    rng = np.random.default_rng(1)
    for _ in range(20):
        actions = pool.act(state, rng)
        state = game.step(state, np.where(state.done, 0, actions))  # raises on an illegal move
