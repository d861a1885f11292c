"""PPO training throughput on Connect Four: our batched SB3 VecEnv against the PettingZoo SB3
tutorial's set-up, with the same MaskablePPO settings.

- peer (the tutorial's recipe): PettingZoo's `connect_four_v3` AEC env, wrapped so one
  Gymnasium env steps whichever agent is on turn (the same policy plays both sides), with the
  mask from the AEC observation through sb3-contrib's `ActionMasker`, and
  `MaskablePPO("MlpPolicy", env)` with its defaults (n_steps 2048, batch 64, 10 epochs).
- boardzoo: `BoardGameVecEnv("connect_four", num_envs=64, learner_seat=None)` against a random
  opponent, and `MaskablePPO("MlpPolicy", vec_env, n_steps=2048 // 64)`. Each rollout then
  holds the same 2,048 learner steps and gets the same gradient work (batch 64, 10 epochs),
  so the ratio measures the environment and the batched policy inference.
- boardzoo, baseline settings: the same VecEnv with the optimisation settings of our PPO
  baseline (`PPOConfig`: n_steps 64 × 64 games, batch 512, 4 epochs), once with
  `"MlpPolicy"` and once as the baseline trains (conv trunk, opponent from its snapshot pool).
  With 64 games a step, minibatches of 64 over 10 epochs leave the update to dominate, so the
  baseline uses bigger batches.

Throughput = environment steps (learner moves) per second of `model.learn`, single process,
torch threads = 1, median of `repeats` runs of `timesteps` steps (after a warm-up rollout).
Results go to `benchmarks/results/ppo_throughput.{json,md}`. The issue's target: ≥ 5×.

    .venv/bin/python benchmarks/ppo_throughput.py
    .venv/bin/python benchmarks/ppo_throughput.py --quick    # smoke run: 2,048 steps, 1 repeat
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import (
    DEFAULT_OUT,
    Measurement,
    Runner,
    format_rate,
    format_ratio,
    publish,
    ratio,
    result_name,
    run_for,
    run_measurements,
    setup_process,
    table,
    target,
    verdict,
)

setup_process()  # single thread (torch included), malloc tuning

from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial

import gymnasium
import numpy as np
import tyro
from sb3_contrib import MaskablePPO
from sb3_contrib.common.wrappers import ActionMasker

from boardzoo.agents.training.ppo import PPOConfig, PPOTrainer
from boardzoo.wrappers.sb3 import BoardGameVecEnv

NAME = "ppo_throughput"
WARMUP_TIMESTEPS = 2048  # one rollout and one update of the peer set-up, untimed
TARGET_RATIO = 5.0  # boardzoo VecEnv / PettingZoo tutorial set-up, same PPO settings


@dataclass(frozen=True)
class PPOBenchConfig:
    """Measure MaskablePPO env steps per second: PettingZoo tutorial set-up vs our VecEnv."""

    timesteps: int = 8192
    """learner steps per timed run (4 rollouts)"""
    repeats: int = 3
    num_envs: int = 64
    """games in our VecEnv"""
    quick: bool = False
    """smoke run: 2,048 steps, 1 repeat"""
    out: str = DEFAULT_OUT
    """output folder (relative paths are taken from the repository root)"""


@dataclass(frozen=True)
class Case:
    """One set-up: how its model is made and how many learner steps a timed run takes."""

    setup: str
    timesteps: int

    def __str__(self) -> str:
        return self.setup


class AECAsGymnasium(gymnasium.Env):
    """One PettingZoo AEC env as a single-agent Gymnasium env in which the acting agent is
    whoever is on turn (self-play by one policy), the set-up of PettingZoo's SB3 tutorial."""

    def __init__(self) -> None:
        from pettingzoo.classic import connect_four_v3

        self.env = connect_four_v3.env()
        self.env.reset(seed=0)
        agent = self.env.possible_agents[0]
        self.observation_space = self.env.observation_space(agent)["observation"]
        self.action_space = self.env.action_space(agent)

    def reset(self, seed: int | None = None, options: dict | None = None):
        self.env.reset(seed=seed)
        return self._observation(), {}

    def step(self, action: int):
        acting = self.env.agent_selection
        self.env.step(int(action))
        reward = self.env._cumulative_rewards[acting]
        terminated, truncated = self.env.terminations[acting], self.env.truncations[acting]
        observation = self._observation() if not (terminated or truncated) else np.zeros_like(self._observation())
        return observation, float(reward), terminated, truncated, {}

    def _observation(self) -> np.ndarray:
        return self.env.observe(self.env.agent_selection)["observation"]

    def action_masks(self) -> np.ndarray:
        return self.env.observe(self.env.agent_selection)["action_mask"].astype(bool)


def learn_runner(make_model: Callable[[], MaskablePPO], timesteps: int) -> Runner:
    """After an untimed warm-up `learn`, each run is one `model.learn(timesteps)` (the harness
    calls it with 0 seconds: one call per repeat)."""
    model = make_model()
    model.learn(total_timesteps=WARMUP_TIMESTEPS)

    def learn() -> int:
        model.learn(total_timesteps=timesteps, reset_num_timesteps=False)
        return timesteps

    return partial(run_for, work=learn)


def run(config: PPOBenchConfig) -> dict:
    timesteps, repeats = (2048, 1) if config.quick else (config.timesteps, config.repeats)

    def peer():
        env = ActionMasker(AECAsGymnasium(), lambda env: env.unwrapped.action_masks())
        return MaskablePPO("MlpPolicy", env, seed=0, verbose=0)

    def ours():
        vec_env = BoardGameVecEnv("connect_four", num_envs=config.num_envs, learner_seat=None, seed=0)
        return MaskablePPO("MlpPolicy", vec_env, n_steps=2048 // config.num_envs, seed=0, verbose=0)

    def baseline_mlp():
        vec_env = BoardGameVecEnv("connect_four", num_envs=64, learner_seat=None, seed=0)
        return MaskablePPO("MlpPolicy", vec_env, n_steps=64, batch_size=512, n_epochs=4, seed=0, verbose=0)

    def baseline():
        trainer = PPOTrainer(
            PPOConfig(game="connect_four", out="/tmp/unused", minutes=None, steps=10**9, threads=1, progress_bar=False)
        )
        trainer.pool.add(trainer.network)
        trainer.pool.draw(np.random.default_rng(0))
        return trainer.model

    setups = {
        "peer": (peer, timesteps),
        "ours": (ours, timesteps),
        "baseline_mlp": (baseline_mlp, 2 * timesteps),
        "baseline": (baseline, timesteps),
    }
    measurements = [
        Measurement(Case(name, steps), partial(learn_runner, make, steps)) for name, (make, steps) in setups.items()
    ]
    results = run_measurements(measurements, seconds=0.0, repeats=repeats, name=NAME)
    by_setup = {r.case.setup: r for r in results}
    rates = {setup: list(r.repeats) for setup, r in by_setup.items()}
    ratios = {setup: ratio(r.median, by_setup["peer"].median) for setup, r in by_setup.items()}
    goal = target(
        f"boardzoo VecEnv >= {TARGET_RATIO:g}x the PettingZoo tutorial set-up, same PPO settings",
        "connect_four",
        ratios["ours"],
        TARGET_RATIO,
    )
    rows = [
        ["PettingZoo connect_four_v3, one AEC env as a Gymnasium env (SB3 tutorial)", "peer"],
        [f"boardzoo BoardGameVecEnv, {config.num_envs} games, same PPO settings", "ours"],
        ["boardzoo BoardGameVecEnv, 64 games, baseline settings (batch 512, 4 epochs), MlpPolicy", "baseline_mlp"],
        ["boardzoo PPO baseline as it trains (conv trunk 4×32, snapshot-pool opponent)", "baseline"],
    ]
    cells = []
    for label, setup in rows:
        r = by_setup[setup]
        cells.append([label, format_rate(r.median, r.unavailable), format_ratio(ratios[setup], 1)])
    markdown = "\n".join(
        [
            f'MaskablePPO("MlpPolicy") on Connect Four, torch threads = 1, {repeats} × {timesteps} learner steps '
            f"(median), same rollout size (2,048) and gradient work.",
            "",
            table(["set-up", "env steps/s", "ratio"], cells),
            "",
            f"Target: ≥ {TARGET_RATIO:g}×. Same PPO settings: {verdict(goal)}; "
            f"with the baseline's batch settings and MlpPolicy: {format_ratio(ratios['baseline_mlp'], 1)}.",
        ]
    )
    payload = {
        "config": asdict(config),
        "peer_steps_per_s": rates["peer"],
        "ours_steps_per_s": rates["ours"],
        "ours_baseline_settings_mlp_steps_per_s": rates["baseline_mlp"],
        "ppo_baseline_steps_per_s": rates["baseline"],
        "ratio": ratios["ours"],
        "ratio_baseline_settings_mlp": ratios["baseline_mlp"],
        "ratio_ppo_baseline": ratios["baseline"],
        "targets": [goal],
    }
    publish(
        result_name(NAME, quick=config.quick),
        payload,
        markdown,
        out=config.out,
    )
    return payload


if __name__ == "__main__":
    run(tyro.cli(PPOBenchConfig))
