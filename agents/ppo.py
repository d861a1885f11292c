"""The PPO baseline: sb3-contrib `MaskablePPO` on the batched SB3 VecEnv, trained by self-play
against a pool of its own past snapshots.

    boardzoo.agents.ppo.train_ppo(PPOConfig(game="connect_four", minutes=20, out="runs/ppo_c4"))
    player = load_player("runs/ppo_c4", search=False)      # any boardzoo player API works

- Network: the same family as expert iteration. A features extractor runs our conv trunk
  (stem + residual blocks, `NetworkConfig`) and a 1×1 conv head, and SB3's policy/value MLP
  heads sit on top. `PPONetwork` adapts the SB3 policy to the `(obs, mask) -> (logits, value)`
  contract, so a PPO policy can play as `NetworkPlayer` or even guide a search.
- Self-play: the learner takes a random seat in every game (`learner_seat=None`). The
  opponent is a snapshot drawn uniformly from the pool at the start of every rollout, and it
  samples its moves from its masked policy. The pool holds the last `pool_size` snapshots,
  with one added every `snapshot_interval` environment steps (the first is the initial
  policy).
- Checkpoints: our format (config.json + model.safetensors; the optimizer, pool and counters
  go in training_state.pt, loaded with weights_only=True). SB3's zip, which unpickles on
  load, is never used. A stopped run resumes from its last checkpoint with the same weights,
  optimizer, pool and step count. It is not bit-exact, because the environments restart.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from sb3_contrib import MaskablePPO
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn
from tqdm import tqdm

from boardzoo.agents.checkpoint import load_checkpoint, load_training_state, save_checkpoint
from boardzoo.agents.networks import NetworkConfig, build_trunk, mask_logits
from boardzoo.agents.search import sample_from_policy
from boardzoo.envs import Game, State, make
from boardzoo.wrappers.sb3 import BoardGameVecEnv

FAMILY = "sb3_maskable_ppo"


@dataclass(frozen=True)
class PPONetworkConfig:
    """The PPO policy's shape: our trunk plus SB3's policy and value MLP heads."""

    trunk: NetworkConfig = field(default_factory=lambda: NetworkConfig(kind="resnet", blocks=4, channels=32))
    """conv (or MLP) trunk, as in expert iteration"""
    pi: tuple[int, ...] = (64,)
    """hidden layers of the policy head"""
    vf: tuple[int, ...] = (64,)
    """hidden layers of the value head"""

    def to_dict(self) -> dict[str, Any]:
        return {"family": FAMILY, "trunk": self.trunk.to_dict(), "pi": list(self.pi), "vf": list(self.vf)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PPONetworkConfig:
        return cls(NetworkConfig.from_dict(data["trunk"]), tuple(data["pi"]), tuple(data["vf"]))


class TrunkExtractor(BaseFeaturesExtractor):
    """Observation [B, C, H, W] -> features [B, F]: the expert-iteration trunk, then a 1×1 conv
    to `head_channels` planes, flattened (or the MLP trunk's last hidden layer)."""

    def __init__(self, observation_space: spaces.Box, config: NetworkConfig) -> None:
        _, height, width = observation_space.shape
        trunk, size = build_trunk(config, tuple(observation_space.shape))
        features = size if config.kind == "mlp" else config.head_channels * height * width
        super().__init__(observation_space, features)
        if config.kind == "mlp":
            self.body = trunk
            return
        head = [nn.Conv2d(size, config.head_channels, 1, bias=False), nn.BatchNorm2d(config.head_channels), nn.ReLU()]
        self.body = nn.Sequential(trunk, *head, nn.Flatten())

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        return self.body(observations)


def ppo_policy_kwargs(config: PPONetworkConfig) -> dict[str, Any]:
    """`policy_kwargs` for MaskablePPO that build this network."""
    return {
        "features_extractor_class": TrunkExtractor,
        "features_extractor_kwargs": {"config": config.trunk},
        "net_arch": {"pi": list(config.pi), "vf": list(config.vf)},
    }


class PPONetwork(nn.Module):
    """A MaskablePPO policy as a boardzoo network: `forward(obs, mask) -> (logits[B, A], value[B])`
    with illegal logits at -inf and the value clipped to [-1, 1]."""

    def __init__(self, policy: MaskableActorCriticPolicy, config: PPONetworkConfig) -> None:
        super().__init__()
        self.policy = policy
        self.config = config

    def forward(self, obs: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.policy.extract_features(obs, self.policy.features_extractor)
        latent_pi, latent_vf = self.policy.mlp_extractor(features)
        logits = self.policy.action_net(latent_pi)
        value = self.policy.value_net(latent_vf).squeeze(-1).clamp(-1.0, 1.0)
        return mask_logits(logits, mask), value


def build_ppo_network(config: PPONetworkConfig, game: Game) -> PPONetwork:
    """A fresh policy (as SB3 would build it inside MaskablePPO) wrapped as a `PPONetwork`."""
    observation_space = spaces.Box(0.0, 1.0, game.observation_shape, np.float32)
    policy = MaskableActorCriticPolicy(observation_space, spaces.Discrete(game.num_actions), lambda _: 0.0,
                                       **ppo_policy_kwargs(config))  # fmt: skip
    return PPONetwork(policy, config)


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
class PPOConfig:
    """Train MaskablePPO by self-play against a pool of its past snapshots."""

    game: str = "connect_four"
    game_params: dict[str, int] = field(default_factory=dict)
    out: str = "runs/ppo_connect_four"
    """run folder (checkpoints); an existing run there is resumed"""
    minutes: float | None = 20.0
    """wall-clock budget (None = timesteps only)"""
    timesteps: int | None = None
    """environment-step budget (learner moves); None = minutes only"""
    seed: int = 0
    device: str = "cpu"
    threads: int = 0
    """torch threads (0 = every core)"""
    network: PPONetworkConfig = field(default_factory=PPONetworkConfig)
    num_envs: int = 64
    """games stepped together"""
    n_steps: int = 64
    """steps per env per rollout (rollout = num_envs × n_steps)"""
    batch_size: int = 512
    n_epochs: int = 4
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
    progress_bar: bool = True

    def __post_init__(self) -> None:
        if self.minutes is None and self.timesteps is None:
            raise ValueError("give a budget: minutes, timesteps, or both")
        for name in ("num_envs", "n_steps", "batch_size", "n_epochs", "pool_size", "snapshot_interval",
                     "checkpoint_interval"):  # fmt: skip
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["network"] = self.network.to_dict()
        return data


class _SelfPlayCallback(BaseCallback):
    """Rotates pool opponents, takes snapshots and checkpoints, enforces the time budget, shows progress."""

    def __init__(self, trainer: PPOTrainer) -> None:
        super().__init__()
        self.trainer = trainer

    def _on_rollout_start(self) -> None:
        self.trainer.pool.draw(self.trainer.rng)

    def _on_step(self) -> bool:
        return self.trainer.after_step(self.num_timesteps)


class PPOTrainer:
    """One PPO self-play run (see the module docstring)."""

    def __init__(self, config: PPOConfig) -> None:
        self.config = config
        self.out = Path(config.out)
        self.game = make(config.game, **config.game_params)
        torch.set_num_threads(config.threads or os.cpu_count() or 1)
        self.rng = np.random.default_rng(config.seed)
        torch.manual_seed(config.seed)
        network = build_ppo_network(config.network, self.game)
        self.pool = SnapshotPool(self.game, network, config.pool_size)
        self.env = BoardGameVecEnv(self.game, config.num_envs, opponent=self.pool, learner_seat=None, seed=config.seed)
        self.model = MaskablePPO(
            MaskableActorCriticPolicy, self.env, learning_rate=config.learning_rate, n_steps=config.n_steps,
            batch_size=config.batch_size, n_epochs=config.n_epochs, gamma=config.gamma, gae_lambda=config.gae_lambda,
            ent_coef=config.ent_coef, clip_range=config.clip_range, policy_kwargs=ppo_policy_kwargs(config.network),
            seed=config.seed, device=config.device, verbose=0,
        )  # fmt: skip
        self.network = PPONetwork(self.model.policy, config.network)
        self.elapsed = 0.0
        self.last_snapshot = 0
        self.last_checkpoint = 0
        self.stop_requested = False
        self.snapshot_hook: Any = None  # called with (trainer) after each step; used by the comparison
        self._start = 0.0
        self._bar: tqdm | None = None

    def progress(self, timesteps: int) -> float:
        config = self.config
        fractions = []
        if config.timesteps is not None:
            fractions.append(timesteps / config.timesteps)
        if config.minutes is not None:
            fractions.append(self.elapsed_now() / (60 * config.minutes))
        return min(1.0, max(fractions))

    def elapsed_now(self) -> float:
        return self.elapsed + (time.perf_counter() - self._start if self._start else 0.0)

    def after_step(self, timesteps: int) -> bool:
        config = self.config
        if timesteps - self.last_snapshot >= config.snapshot_interval:
            self.pool.add(self.network)
            self.last_snapshot = timesteps
        if timesteps - self.last_checkpoint >= config.checkpoint_interval:
            self.checkpoint(timesteps)
        if self.snapshot_hook is not None:
            self.snapshot_hook(self)
        if self._bar is not None:
            self._bar.n = int(1000 * self.progress(timesteps))
            self._bar.set_postfix(timesteps=timesteps, refresh=False)
            if timesteps % (16 * config.num_envs) == 0:
                self._bar.refresh()
        return not (self.stop_requested or self.progress(timesteps) >= 1.0)

    def checkpoint(self, timesteps: int) -> Path:
        path = self.out / "checkpoints" / f"timesteps_{timesteps:010d}"
        elapsed = self.elapsed_now()
        state = {
            "optimizer": self.model.policy.optimizer.state_dict(),
            "pool": [dict(s) for s in self.pool.snapshots],
            "timesteps": timesteps,
            "elapsed": elapsed,
            "last_snapshot": self.last_snapshot,
        }
        save_checkpoint(path, self.game, self.network, step=timesteps, training_config=self.config.to_dict(),
                        training_state=state, extra={"agent": "ppo"})  # fmt: skip
        (self.out / "latest.tmp").write_text(path.name + "\n")
        os.replace(self.out / "latest.tmp", self.out / "latest")
        self.last_checkpoint = timesteps
        return path

    def _resume(self) -> int:
        latest = self.out / "latest"
        if not latest.is_file():
            self.pool.add(self.network)
            return 0
        path = self.out / "checkpoints" / latest.read_text().strip()
        checkpoint = load_checkpoint(path, self.game)
        self.network.load_state_dict(checkpoint.network.state_dict())
        state = load_training_state(path)
        self.model.policy.optimizer.load_state_dict(state["optimizer"])
        self.pool.snapshots = list(state["pool"])
        self.elapsed = float(state["elapsed"])
        self.last_checkpoint = int(state["timesteps"])
        self.last_snapshot = int(state["last_snapshot"])
        self.model.num_timesteps = int(state["timesteps"])
        tqdm.write(f"resuming {self.out} from {path.name}", file=sys.stderr)
        return int(state["timesteps"])

    def run(self) -> Path:
        """Train until the budget is spent (or Ctrl-C/SIGTERM); returns the final checkpoint."""
        self.out.mkdir(parents=True, exist_ok=True)
        start_timesteps = self._resume()
        previous = {}

        def request_stop(signum: int, frame: Any) -> None:
            if self.stop_requested:
                raise KeyboardInterrupt
            self.stop_requested = True

        try:
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, request_stop)
        except ValueError:
            pass
        self._bar = tqdm(total=1000, desc="PPO (‰ of budget)", disable=not self.config.progress_bar)
        self._start = time.perf_counter()
        try:
            budget = self.config.timesteps if self.config.timesteps is not None else 10**12
            if self.progress(start_timesteps) < 1.0:
                self.model.learn(total_timesteps=budget - start_timesteps if self.config.timesteps else budget,
                                 callback=_SelfPlayCallback(self), reset_num_timesteps=False)  # fmt: skip
        finally:
            self.elapsed = self.elapsed_now()
            self._start = 0.0
            self._bar.close()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return self.checkpoint(self.model.num_timesteps)


def train_ppo(config: PPOConfig) -> Path:
    """Run (or resume) PPO self-play training; returns the final checkpoint folder."""
    return PPOTrainer(config).run()
