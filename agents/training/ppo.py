"""The PPO baseline: sb3-contrib `MaskablePPO` on the batched SB3 VecEnv, trained by self-play
against a pool of its own past snapshots.

    boardzoo.agents.training.ppo.train_ppo(PPOConfig(game="connect_four", minutes=20, out="runs/ppo_c4"))
    player = load_player("runs/ppo_c4", simulations=0)    # any boardzoo player API works

- Network: `boardzoo.agents.models.ppo_network` (our conv trunk under SB3's policy/value
  heads, adapted to the `(obs, mask) -> (logits, value)` contract, so a PPO policy can play as
  `NetworkPlayer` or even guide a search).
- Self-play: the learner takes a random seat in every game (`learner_seat=None`). The
  opponent is a snapshot drawn uniformly from the pool at the start of every rollout, and it
  samples its moves from its masked policy. The pool holds the last `pool_size` snapshots,
  with one added every `snapshot_interval` environment steps (the first is the initial
  policy).
- Budget: `steps` counts environment steps (learner moves over all games).
- Checkpoints: our format in the shared run folder (`boardzoo.agents.training.run_folder`;
  the optimizer, pool, counters and RNG states go in training_state.pt, loaded with
  weights_only=True; the live games and SB3's last observations in npz files). SB3's zip,
  which unpickles on load, is never used. Checkpoints are taken between rollouts, so a run
  killed at any moment resumes from its last checkpoint into the same later checkpoints as a
  run never interrupted (with a `steps` budget, which SB3 rounds up to whole rollouts).
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sb3_contrib import MaskablePPO
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.callbacks import BaseCallback
from tqdm import tqdm

from boardzoo.agents.models import load_arrays, load_checkpoint, load_training_state
from boardzoo.agents.models.ppo_network import PPONetwork, PPONetworkConfig, build_ppo_network, ppo_policy_kwargs
from boardzoo.agents.search import sample_from_policy
from boardzoo.agents.training.run import RUN_FIELDS, Callback, Run, RunConfig, set_threads
from boardzoo.agents.training.run_folder import RunFolder, check_resumable
from boardzoo.agents.validation import check_ints, check_numbers
from boardzoo.envs import Game, State, make
from boardzoo.wrappers.sb3 import BoardGameVecEnv

RESUMABLE_CHANGES = (*RUN_FIELDS, "keep_checkpoints", "checkpoint_interval")


class SnapshotPool:
    """Past policies of the learner; `act` plays the one drawn by `draw` (sampling its moves)."""

    def __init__(self, game: Game, network: PPONetwork, size: int) -> None:
        if size < 1:
            raise ValueError(f"pool_size must be positive, got {size}")
        self.game = game
        self.size = size
        self.snapshots: list[dict[str, torch.Tensor]] = []
        self.active = copy.deepcopy(network).eval()
        self.active_index = -1

    def add(self, network: PPONetwork) -> None:
        """Store a copy of the network's weights (the oldest is dropped when full)."""
        self.snapshots.append({k: v.detach().clone() for k, v in network.state_dict().items()})
        del self.snapshots[: -self.size]

    def draw(self, rng: np.random.Generator) -> int:
        """Make a uniformly drawn snapshot the active opponent; returns its index."""
        self.active_index = int(rng.integers(len(self.snapshots)))
        self.active.load_state_dict(self.snapshots[self.active_index])
        return self.active_index

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray:
        obs = torch.from_numpy(self.game.observe(state))
        mask = torch.from_numpy(state.legal_action_mask)
        with torch.inference_mode():
            logits, _ = self.active(obs, mask)
            probabilities = torch.softmax(logits, dim=1).numpy()
        return sample_from_policy(probabilities, rng)


@dataclass(frozen=True)
class PPOConfig(RunConfig):
    """Train MaskablePPO by self-play against a pool of its past snapshots."""

    out: str = "runs/ppo_connect_four"
    """run folder (checkpoints); an existing run there is resumed"""
    minutes: float | None = 20.0
    """wall-clock budget (None = steps only)"""
    steps: int | None = None
    """environment-step budget (learner moves over all games); None = minutes only"""
    game: str = "connect_four"
    """game id (see boardzoo.envs.available_games())"""
    game_params: dict[str, int] = field(default_factory=dict)
    """game parameters, e.g. board_size 7"""
    network: PPONetworkConfig = field(default_factory=PPONetworkConfig)
    num_envs: int = 64
    """games stepped together"""
    n_steps: int = 64
    """steps per env per rollout (rollout = num_envs × n_steps)"""
    batch_size: int = 512
    """minibatch size of each PPO epoch"""
    n_epochs: int = 4
    """passes over each rollout"""
    learning_rate: float = 3e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    ent_coef: float = 0.01
    clip_range: float = 0.2
    pool_size: int = 10
    """past snapshots kept as opponents"""
    snapshot_interval: int = 20_000
    """environment steps between snapshots"""
    checkpoint_interval: int = 100_000
    """environment steps between checkpoints"""
    keep_checkpoints: int = 3
    """newest checkpoints kept"""

    def __post_init__(self) -> None:
        super().__post_init__()
        positive = ("num_envs", "n_steps", "batch_size", "n_epochs", "pool_size", "snapshot_interval")
        check_ints(self, (*positive, "checkpoint_interval", "keep_checkpoints"))
        check_numbers(self, ("learning_rate", "clip_range"), low=0, low_open=True)
        check_numbers(self, ("gamma", "gae_lambda"), low=0, high=1)
        check_numbers(self, ("ent_coef",), low=0)
        make(self.game, **self.game_params)

    def to_dict(self) -> dict[str, Any]:
        data = {f: getattr(self, f) for f in self.__dataclass_fields__}
        data["network"] = self.network.to_dict()
        return data


class _SelfPlayCallback(BaseCallback):
    """Rotates pool opponents at each rollout and hands every step to the trainer."""

    def __init__(self, trainer: PPOTrainer) -> None:
        super().__init__()
        self.trainer = trainer

    def _on_rollout_start(self) -> None:
        self.trainer.at_rollout_start(self.num_timesteps)

    def _on_step(self) -> bool:
        return self.trainer.after_step(self.num_timesteps)


class PPOTrainer:
    """One PPO self-play run (see the module docstring).

    Args:
      config: the run's settings.
      callbacks: told the run's `Progress` after every environment step and at the end.
    """

    def __init__(self, config: PPOConfig, callbacks: Sequence[Callback] = ()) -> None:
        self.config = config
        self.callbacks = tuple(callbacks)
        self.folder = RunFolder(config.out, keep=config.keep_checkpoints)
        self.game = make(config.game, **config.game_params)
        set_threads(config.threads)
        self.rng = np.random.default_rng(config.seed)
        torch.manual_seed(config.seed)
        self.pool = SnapshotPool(self.game, build_ppo_network(config.network, self.game), config.pool_size)
        self.env = BoardGameVecEnv(self.game, config.num_envs, opponent=self.pool, learner_seat=None, seed=config.seed)
        self.model = MaskablePPO(
            MaskableActorCriticPolicy,
            self.env,
            learning_rate=config.learning_rate,
            n_steps=config.n_steps,
            batch_size=config.batch_size,
            n_epochs=config.n_epochs,
            gamma=config.gamma,
            gae_lambda=config.gae_lambda,
            ent_coef=config.ent_coef,
            clip_range=config.clip_range,
            policy_kwargs=ppo_policy_kwargs(config.network),
            seed=config.seed,
            device=config.device,
            verbose=0,
        )
        self.network = PPONetwork(self.model.policy, config.network)
        self.seconds = 0.0
        self.last_snapshot = 0
        self.last_checkpoint = 0
        self.run_state: Run | None = None

    def at_rollout_start(self, timesteps: int) -> None:
        """Checkpoint if one is due (between rollouts the rollout buffer is empty, so a checkpoint
        here holds everything that shapes the rest of the run), then draw this rollout's opponent."""
        if timesteps - self.last_checkpoint >= self.config.checkpoint_interval:
            self.checkpoint(timesteps)
        self.pool.draw(self.rng)

    def after_step(self, timesteps: int) -> bool:
        """Snapshots and progress after each environment step; False stops learning (a stop
        signal or the time budget; SB3 itself ends the run at the step budget, after its update)."""
        if timesteps - self.last_snapshot >= self.config.snapshot_interval:
            self.pool.add(self.network)
            self.last_snapshot = timesteps
        run = self.run_state
        assert run is not None
        run.tick(timesteps, self.network)
        out_of_time = run.budget.minutes is not None and run.seconds >= 60 * run.budget.minutes
        return not (run.stop.requested or out_of_time)

    def checkpoint(self, timesteps: int) -> Path:
        seconds = self.run_state.seconds if self.run_state is not None else self.seconds
        model = self.model
        numpy_global = np.random.get_state()
        state = {
            "optimizer": model.policy.optimizer.state_dict(),
            "pool": [dict(s) for s in self.pool.snapshots],
            "timesteps": timesteps,
            "updates": model._n_updates,
            "elapsed": seconds,
            "last_snapshot": self.last_snapshot,
            "torch_rng": torch.get_rng_state(),
            "pool_rng": json.dumps(self.rng.bit_generator.state),
        }
        arrays = {
            "env": self.env.state_arrays(),
            "rollout": {"last_obs": model._last_obs, "last_episode_starts": model._last_episode_starts},
            "numpy_global": {
                "keys": numpy_global[1],
                "position": np.array(numpy_global[2:4], np.int64),
                "cached_gaussian": np.array(numpy_global[4], np.float64),
            },
        }
        path = self.folder.save(
            timesteps,
            self.game,
            self.network,
            training_config=self.config.to_dict(),
            training_state=state,
            arrays=arrays,
            extra={"agent": "ppo"},
        )
        self.folder.log(
            {"kind": "checkpoint", "step": timesteps, "elapsed_s": seconds, "snapshots": len(self.pool.snapshots)}
        )
        self.last_checkpoint = timesteps
        return path

    def _resume(self) -> int:
        path = self.folder.latest()
        if path is None:
            self.pool.add(self.network)
            return 0
        checkpoint = load_checkpoint(path, self.game)
        self.folder.rewind_metrics(checkpoint.step)
        check_resumable(self.folder.path, checkpoint.config["training"], self.config.to_dict(), RESUMABLE_CHANGES)
        self.network.load_state_dict(checkpoint.network.state_dict())
        state = load_training_state(path)
        model = self.model
        model.policy.optimizer.load_state_dict(state["optimizer"])
        self.pool.snapshots = list(state["pool"])
        self.seconds = float(state["elapsed"])
        self.last_checkpoint = model.num_timesteps = int(state["timesteps"])
        self.last_snapshot = int(state["last_snapshot"])
        model._n_updates = int(state["updates"])
        torch.set_rng_state(state["torch_rng"])
        self.rng.bit_generator.state = json.loads(state["pool_rng"])
        self.env.load_state_arrays(load_arrays(path, "env"))
        rollout = load_arrays(path, "rollout")
        model._last_obs, model._last_episode_starts = rollout["last_obs"], rollout["last_episode_starts"]
        numpy_global = load_arrays(path, "numpy_global")
        position, has_gaussian = (int(x) for x in numpy_global["position"])
        np.random.set_state(
            ("MT19937", numpy_global["keys"], position, has_gaussian, float(numpy_global["cached_gaussian"]))
        )
        tqdm.write(f"resuming {self.folder.path} from {path.name}", file=sys.stderr)
        return model.num_timesteps

    def run(self) -> Path:
        """Train until the budget is spent (or Ctrl-C/SIGTERM); returns the final checkpoint."""
        self.folder.prepare()
        start = self._resume()
        config = self.config
        self.run_state = run = Run(
            config.budget(),
            description="PPO",
            progress_bar=config.progress_bar,
            callbacks=self.callbacks,
            seconds=self.seconds,
            step=start,
        )
        try:
            with run:
                if not run.exhausted():
                    remaining = config.steps - start if config.steps is not None else 10**12
                    self.model.learn(
                        total_timesteps=remaining, callback=_SelfPlayCallback(self), reset_num_timesteps=False
                    )
                path = self.checkpoint(self.model.num_timesteps)
                run.step = self.model.num_timesteps
                run.notify(self.network)
        finally:
            self.folder.close()
        return path


def train_ppo(config: PPOConfig, callbacks: Sequence[Callback] = ()) -> Path:
    """Run (or resume) PPO self-play training; returns the final checkpoint folder."""
    return PPOTrainer(config, callbacks).run()
