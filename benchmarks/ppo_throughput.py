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
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import statistics
import time
from dataclasses import asdict, dataclass

import gymnasium
import numpy as np
import torch
import tyro
from _report import environment_info, ratio, write_results
from sb3_contrib import MaskablePPO
from sb3_contrib.common.wrappers import ActionMasker

from boardzoo.agents.ppo import PPOConfig, PPOTrainer
from boardzoo.wrappers.sb3 import BoardGameVecEnv


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


def timed_learn(model: MaskablePPO, timesteps: int) -> float:
    start = time.perf_counter()
    model.learn(total_timesteps=timesteps, reset_num_timesteps=False)
    return timesteps / (time.perf_counter() - start)


def measure(make_model, timesteps: int, repeats: int) -> list[float]:
    model = make_model()
    model.learn(total_timesteps=2048)  # warm-up: one rollout and one update
    return [timed_learn(model, timesteps) for _ in range(repeats)]


def run(config: PPOBenchConfig) -> dict:
    torch.set_num_threads(1)
    timesteps, repeats = (2048, 1) if config.quick else (config.timesteps, config.repeats)

    def peer():
        env = ActionMasker(AECAsGymnasium(), lambda env: env.unwrapped.action_masks())
        return MaskablePPO("MlpPolicy", env, seed=0, verbose=0)

    def ours():
        vec_env = BoardGameVecEnv("connect_four", num_envs=config.num_envs, learner_seat=None, seed=0)
        return MaskablePPO("MlpPolicy", vec_env, n_steps=2048 // config.num_envs, seed=0, verbose=0)

    peer_rates = measure(peer, timesteps, repeats)
    print(f"PettingZoo tutorial set-up: {statistics.median(peer_rates):,.0f} steps/s", flush=True)
    our_rates = measure(ours, timesteps, repeats)
    print(f"boardzoo VecEnv: {statistics.median(our_rates):,.0f} steps/s", flush=True)

    def baseline_mlp():
        vec_env = BoardGameVecEnv("connect_four", num_envs=64, learner_seat=None, seed=0)
        return MaskablePPO("MlpPolicy", vec_env, n_steps=64, batch_size=512, n_epochs=4, seed=0, verbose=0)

    def baseline():
        trainer = PPOTrainer(PPOConfig(game="connect_four", out="/tmp/unused", minutes=None, timesteps=10**9, threads=1,
                                       progress_bar=False))  # fmt: skip
        trainer.pool.add(trainer.network)
        trainer.pool.draw(np.random.default_rng(0))
        return trainer.model

    mlp_rates = measure(baseline_mlp, 2 * timesteps, repeats)
    print(f"boardzoo VecEnv, baseline settings, MlpPolicy: {statistics.median(mlp_rates):,.0f} steps/s", flush=True)
    conv_rates = measure(baseline, timesteps, repeats)
    print(f"boardzoo PPO baseline (conv, pool): {statistics.median(conv_rates):,.0f} steps/s", flush=True)
    peer_median, our_median = statistics.median(peer_rates), statistics.median(our_rates)
    mlp_median, conv_median = statistics.median(mlp_rates), statistics.median(conv_rates)
    speedup = ratio(our_median, peer_median)
    markdown = "\n".join([
        f"MaskablePPO(\"MlpPolicy\") on Connect Four, torch threads = 1, {repeats} × {timesteps} learner steps "
        f"(median), same rollout size (2,048) and gradient work.",
        "",
        "| set-up | env steps/s | ratio |",
        "|---|---:|---:|",
        f"| PettingZoo connect_four_v3, one AEC env as a Gymnasium env (SB3 tutorial) | {peer_median:,.0f} | 1.0× |",
        f"| boardzoo BoardGameVecEnv, {config.num_envs} games, same PPO settings | {our_median:,.0f} | "
        f"{speedup:.1f}× |",
        f"| boardzoo BoardGameVecEnv, 64 games, baseline settings (batch 512, 4 epochs), MlpPolicy | "
        f"{mlp_median:,.0f} | {ratio(mlp_median, peer_median):.1f}× |",
        f"| boardzoo PPO baseline as it trains (conv trunk 4×32, snapshot-pool opponent) | {conv_median:,.0f} | "
        f"{ratio(conv_median, peer_median):.1f}× |",
        "",
        f"Target: ≥ 5×. Same PPO settings: {speedup:.1f}× ({'met' if speedup >= 5 else 'not met'}); "
        f"with the baseline's batch settings and MlpPolicy: {ratio(mlp_median, peer_median):.1f}×.",
    ])  # fmt: skip
    print(markdown)
    payload = {"config": asdict(config), "peer_steps_per_s": peer_rates, "ours_steps_per_s": our_rates,
               "ours_baseline_settings_mlp_steps_per_s": mlp_rates, "ppo_baseline_steps_per_s": conv_rates,
               "ratio": speedup, "ratio_baseline_settings_mlp": ratio(mlp_median, peer_median),
               "ratio_ppo_baseline": ratio(conv_median, peer_median)}  # fmt: skip
    write_results("ppo_throughput_quick" if config.quick else "ppo_throughput", payload, markdown,
                  environment=environment_info())  # fmt: skip
    return payload


if __name__ == "__main__":
    run(tyro.cli(PPOBenchConfig))
