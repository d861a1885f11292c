"""Expert iteration on Ray: self-play positions/s with 1, 2, ... actors, learner samples/s, the
cost of a weight push and each process's memory — the measurements behind docs/ray.md.

For each actor count, a fresh run of a training preset (default connect_four: network, batch,
simulations, `reuse`) with `--ray` for `minutes`, the learner in this process with one torch
thread, evaluation off. From the run's metrics (after the first metrics line, so start-up and
the wait for `min_positions` are left out):

- positions/s: training positions reaching the replay per second, all actors and per actor,
  and each actor's busy share (time playing / wall time);
- learner samples/s in the run: positions trained per second of learner time (steps × batch /
  learner seconds), and the learner's share of the wall clock;
- weight push: bytes and milliseconds per published version (`ray.put` of the weights);
- staleness: learner steps between the weights that played a game and its arrival;
- RSS of the learner process, each actor and Ray's own daemons, sampled every `sample_seconds`.

Then the learner alone (no actors) on synthetic positions for `learner_seconds`: the samples/s
one learner process can take, the ceiling for the actors it can feed.

    .venv/bin/python benchmarks/ray_scaling.py                  # 10 min per actor count
    .venv/bin/python benchmarks/ray_scaling.py --minutes 1      # a short look
    .venv/bin/python benchmarks/ray_scaling.py --quick          # smoke run, saved as *_quick

Needs the `ray` extra. Ray is started here with as many CPUs as the most actors measured.
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import DEFAULT_OUT, publish, result_name, setup_process, table

setup_process(threads=1)

import dataclasses
import itertools
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import tyro

from boardzoo.agents.models import build_network, count_parameters
from boardzoo.agents.training.distributed import DistributedTrainer, require_ray, rss_bytes
from boardzoo.agents.training.expert_iteration.evaluation import EvaluationConfig
from boardzoo.agents.training.expert_iteration.learner import Learner
from boardzoo.agents.training.expert_iteration.presets import PRESETS
from boardzoo.agents.training.expert_iteration.replay import ReplayBuffer
from boardzoo.agents.training.positions import Positions, augment
from boardzoo.agents.training.run import Progress, StopSignal
from boardzoo.envs import make

RAY_DAEMONS = ("raylet", "gcs_server")


@dataclass(frozen=True)
class RayScalingConfig:
    """Measure expert iteration on Ray: actors' positions/s, the learner, weight pushes, memory."""

    game: str = "connect_four"
    """training preset (see `boardzoo train --help`)"""
    actors: tuple[int, ...] = (1, 2)
    """actor counts to measure, one run each"""
    minutes: float = 10.0
    """wall-clock length of each run"""
    min_positions: int = 1_000
    """positions before the learner starts (the presets wait longer)"""
    learner_seconds: float = 20.0
    """length of the learner-alone measurement"""
    sample_seconds: float = 10.0
    """interval of the memory samples"""
    seed: int = 0
    quick: bool = False
    """smoke run: 0.5 min per actor count, 256 positions before learning, 5 s of learner alone;
    saved as ray_scaling_quick"""
    out: str = DEFAULT_OUT
    """output folder (relative paths are taken from the repository root)"""


def process_rss(pid: int) -> int:
    """Resident memory of process `pid` (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def ray_daemon_pids() -> list[int]:
    """Pids of this machine's Ray daemons (raylet, GCS server)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
            except OSError:
                continue
            if Path(command).name in RAY_DAEMONS:
                pids.append(int(entry.name))
    return pids


class MemorySampler:
    """A run callback: every `seconds`, the RSS of the learner, each actor and Ray's daemons."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.trainer: DistributedTrainer | None = None
        self.samples: list[dict[str, Any]] = []
        self._next = time.perf_counter() + seconds

    def __call__(self, progress: Progress) -> None:
        if time.perf_counter() < self._next or self.trainer is None or not self.trainer.actors:
            return
        ray = require_ray()
        actors = ray.get([actor.stats.remote() for actor in self.trainer.actors])
        daemons = {str(pid): process_rss(pid) for pid in ray_daemon_pids()}
        self.samples.append(
            {
                "seconds": progress.seconds,
                "learner_rss": rss_bytes(),
                "actor_rss": [a["rss_bytes"] for a in actors],
                "ray_daemons_rss": sum(daemons.values()),
            }
        )
        self._next = time.perf_counter() + self.seconds


def measure_run(config: RayScalingConfig, actors: int, minutes: float) -> dict[str, Any]:
    """One run with `actors` actors; rates from its metrics after the first line."""
    _, preset = PRESETS[config.game]
    sampler = MemorySampler(config.sample_seconds)
    with tempfile.TemporaryDirectory() as folder:
        train_config = dataclasses.replace(
            preset,
            out=folder,
            minutes=minutes,
            steps=None,
            seed=config.seed,
            threads=1,
            min_positions=min(config.min_positions, 256) if config.quick else config.min_positions,
            evaluation=EvaluationConfig(interval=-1),
            checkpoint_interval=10**9,
            log_interval=5,
            tensorboard=False,
            progress_bar=False,
            ray="local",
            actors=actors,
        )
        trainer = DistributedTrainer(train_config, [sampler])
        sampler.trainer = trainer
        with StopSignal() as stop:  # Ctrl-C ends the benchmark, not just this run
            trainer.run()
        stop.raise_if_requested(f"the run with {actors} actors", resumable=False)
        lines = (Path(folder) / "metrics.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    return summarise(records, actors, preset.learner.batch_size, sampler.samples)


def summarise(records: list[dict], actors: int, batch: int, memory: list[dict]) -> dict[str, Any]:
    train = [r for r in records if r["kind"] == "train"]
    lines = [r for r in records if r["kind"] == "actors"]
    if len(train) < 2 or len(lines) < 2:
        raise RuntimeError("the run logged too few metrics lines; give it more minutes")
    first, last = train[0], train[-1]
    wall = last["elapsed_s"] - first["elapsed_s"]
    learner_s = last["time_learner_s"] - first["time_learner_s"]
    # Each actors line covers the time since the one before; the first (start-up) is left out.
    spans = [b["elapsed_s"] - a["elapsed_s"] for a, b in itertools.pairwise(lines)]
    lines, span = lines[1:], sum(spans)
    pushes = sum(r["weight_pushes"] for r in lines)

    def over_time(key: str) -> float:
        return sum(r[key] * s for r, s in zip(lines, spans, strict=True)) / span

    return {
        "actors": actors,
        "measured_s": wall,
        "positions_per_s": (last["positions"] - first["positions"]) / wall,
        "positions_per_s_per_actor": [over_time(f"actor{i}_positions_per_s") for i in range(actors)],
        "actor_busy": [over_time(f"actor{i}_busy") for i in range(actors)],
        "learner_steps_per_s": (last["step"] - first["step"]) / wall,
        "learner_samples_per_s": (last["step"] - first["step"]) * batch / max(learner_s, 1e-9),
        "learner_share": learner_s / wall,
        "learner_wait_share": sum(r["learner_wait_s"] for r in lines) / span,
        "staleness_mean": over_time("staleness_mean"),
        "staleness_max": max(r["staleness_max"] for r in lines),
        "weight_push_bytes": sum(r["weight_push_bytes"] * r["weight_pushes"] for r in lines) / max(pushes, 1),
        "weight_push_ms": sum(r["weight_push_ms"] * r["weight_pushes"] for r in lines) / max(pushes, 1),
        "weight_pushes_per_s": pushes / span,
        "memory": memory,
        "learner_rss_max": max((m["learner_rss"] for m in memory), default=0),
        "actor_rss_max": max((max(m["actor_rss"]) for m in memory), default=0),
        "ray_daemons_rss_max": max((m["ray_daemons_rss"] for m in memory), default=0),
    }


def learner_alone(game_name: str, seconds: float, seed: int) -> dict[str, float]:
    """The preset's learner on synthetic positions (replay sampling and augmentation included)."""
    _, preset = PRESETS[game_name]
    game = make(preset.game, **preset.game_params)
    rng = np.random.default_rng(seed)
    network = build_network(preset.network, game.observation_shape, game.num_actions).eval()
    learner = Learner(network, preset.learner, torch.device("cpu"))
    replay = ReplayBuffer(20_000, game.observation_shape, game.num_actions)
    count = 50
    for _ in range(400):
        policy = rng.dirichlet(np.ones(game.num_actions), size=count).astype(np.float32)
        observation = rng.integers(0, 2, size=(count, *game.observation_shape)).astype(np.float32)
        legal = np.ones((count, game.num_actions), bool)
        z = rng.choice([-1.0, 0.0, 1.0], size=count).astype(np.float32)
        replay.add_game(Positions(observation, legal, policy, z, np.zeros(count, np.float32)))
    batch = preset.learner.batch_size
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        positions = augment(game, replay.sample(batch, rng), rng)
        learner.train_step(positions, 0.5)
        steps += 1
    elapsed = time.perf_counter() - start
    return {"steps_per_s": steps / elapsed, "samples_per_s": steps * batch / elapsed, "seconds": elapsed}


def markdown(config: RayScalingConfig, rows: list[dict], alone: dict[str, float], minutes: float) -> str:
    mib = 2**20
    cells = []
    for row in rows:
        per_actor = " / ".join(f"{x:.0f}" for x in row["positions_per_s_per_actor"])
        busy = " / ".join(f"{x:.0%}" for x in row["actor_busy"])
        cells.append(
            [
                row["actors"],
                f"{row['positions_per_s']:.0f}",
                per_actor,
                busy,
                f"{row['learner_samples_per_s']:,.0f}",
                f"{row['learner_share']:.0%}",
                f"{row['staleness_mean']:.1f}",
                f"{row['weight_push_bytes'] / 1024:.0f} KiB, {row['weight_push_ms']:.1f} ms",
                f"{row['learner_rss_max'] / mib:.0f} / {row['actor_rss_max'] / mib:.0f} / "
                f"{row['ray_daemons_rss_max'] / mib:.0f}",
            ]
        )
    columns = [
        "actors",
        "positions/s",
        "per actor",
        "actor busy",
        "learner samples/s (in run)",
        "learner share",
        "staleness (steps)",
        "weight push",
        "RSS MiB learner / actor / Ray daemons",
    ]
    return "\n".join(
        [
            f"Preset `{config.game}`, `--ray local`, {minutes:g} min per actor count (rates after the first "
            f"metrics line), learner and actors with one torch thread each, on this machine's CPUs.",
            "",
            table(columns, cells, left=1),
            "",
            f"Learner alone (synthetic positions, replay sampling and augmentation included, one thread): "
            f"{alone['samples_per_s']:,.0f} samples/s ({alone['steps_per_s']:.2f} steps/s).",
            "",
            "positions = full-search moves recorded for training; staleness = learner steps between the "
            "weights that played a game's last move and the game's arrival in the replay.",
        ]
    )


def run(config: RayScalingConfig) -> dict[str, Any]:
    minutes = 0.5 if config.quick else config.minutes
    ray = require_ray()
    ray.init(num_cpus=max(config.actors), include_dashboard=False, log_to_driver=False)
    try:
        rows = []
        for actors in config.actors:
            rows.append(measure_run(config, actors, minutes))
            print(f"{actors} actors: {rows[-1]['positions_per_s']:.0f} positions/s", flush=True)
    finally:
        ray.shutdown()
    alone = learner_alone(config.game, 5.0 if config.quick else config.learner_seconds, config.seed)
    _, preset = PRESETS[config.game]
    game = make(preset.game, **preset.game_params)
    network = build_network(preset.network, game.observation_shape, game.num_actions)
    payload = {
        "config": dataclasses.asdict(config),
        "preset": preset.to_dict(),
        "parameters": count_parameters(network),
        "ray_version": ray.__version__,
        "rows": rows,
        "learner_alone": alone,
    }
    publish(
        result_name("ray_scaling", quick=config.quick), payload, markdown(config, rows, alone, minutes), out=config.out
    )
    return payload


if __name__ == "__main__":
    run(tyro.cli(RayScalingConfig))
