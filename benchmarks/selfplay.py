"""Expert-iteration throughput: self-play positions per second and where the time goes.

Runs the real training loop (`boardzoo.agents.expert_iteration.train`) with each game's
preset (`boardzoo train <game>` defaults: network, batch, simulations, playout cap
randomization, learner reuse) for `seconds` per repeat, from scratch, and reads its clock:

- positions/s: training positions recorded (full searches) per second of the loop;
- moves/s: all self-play moves searched (full and cheap) per second;
- the split of the loop's time between the network forward in search, search bookkeeping
  (selection, expansion, kernel steps, observations, backup), and the learner.

Learning starts after `min_positions` (lowered here so the learner runs in a short window).
Medians of `repeats` are reported; results go to `benchmarks/results/selfplay.{json,md}`.

    .venv/bin/python benchmarks/selfplay.py                  # C4 and Hex 7x7, 3 x 60 s each
    .venv/bin/python benchmarks/selfplay.py --quick          # smoke run
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import tyro
from _report import environment_info, write_results

from boardzoo.agents.expert_iteration.presets import PRESETS
from boardzoo.agents.expert_iteration.train import train
from boardzoo.agents.networks import build_network, count_parameters, flops_per_evaluation
from boardzoo.envs import make


@dataclass(frozen=True)
class SelfPlayBenchConfig:
    """Measure self-play and learner throughput of the training presets."""

    games: tuple[str, ...] = ("connect_four", "hex")
    """presets to measure (see `boardzoo train --help`)"""
    seconds: float = 60.0
    """loop time per repeat"""
    repeats: int = 3
    """repeats per game (medians are reported)"""
    min_positions: int = 2_000
    """positions before the learner starts (the presets wait longer)"""
    quick: bool = False
    """smoke run: 10 s, 1 repeat, results saved as selfplay_quick"""


def measure(game_name: str, seconds: float, min_positions: int, seed: int) -> dict[str, float]:
    """One fresh run of the preset for `seconds`; rates and time split from its metrics log."""
    _, preset = PRESETS[game_name]
    with tempfile.TemporaryDirectory() as folder:
        config = dataclasses.replace(preset, out=folder, minutes=seconds / 60, steps=None, seed=seed,
                                     min_positions=min_positions, eval_interval=-1, checkpoint_interval=10**9,
                                     log_interval=1, tensorboard=False, progress_bar=False)  # fmt: skip
        train(config)
        records = [json.loads(line) for line in (Path(folder) / "metrics.jsonl").read_text().splitlines()]
    last = [r for r in records if r["kind"] == "train"][-1]
    elapsed = last["elapsed_s"]
    moves = last["selfplay_moves"] * preset.selfplay.batch_size
    return {
        "positions_per_s": last["positions"] / elapsed,
        "moves_per_s": moves / elapsed,
        "network_share": last["time_network_s"] / elapsed,
        "search_share": last["time_search_s"] / elapsed,
        "learner_share": last["time_learner_s"] / elapsed,
        "learner_steps_per_s": last["step"] / elapsed,
    }


def run(config: SelfPlayBenchConfig) -> dict[str, Any]:
    seconds, repeats = (10.0, 1) if config.quick else (config.seconds, config.repeats)
    rows = []
    for game_name in config.games:
        _, preset = PRESETS[game_name]
        game = make(preset.game, **preset.game_params)
        net = build_network(preset.network, game.observation_shape, game.num_actions)
        samples = [measure(game_name, seconds, config.min_positions, seed) for seed in range(repeats)]
        median = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
        rows.append({"game": repr(game), "preset": game_name, "network": preset.network.to_dict(),
                     "parameters": count_parameters(net), "flops_per_evaluation": flops_per_evaluation(net),
                     "selfplay": preset.selfplay.__dict__, "samples": samples, **median})  # fmt: skip
        print(f"{game_name}: {median['positions_per_s']:.0f} positions/s", flush=True)
    lines = [
        f"Training loop with each preset, {repeats} × {seconds:.0f} s from scratch, torch threads = "
        f"{torch.get_num_threads()}; medians.",
        "",
        "| preset | network | positions/s | moves/s | learner steps/s | network | search bookkeeping | learner |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        network = f"{row['network']['kind']} {row['network']['blocks']}×{row['network']['channels']}"
        lines.append(f"| {row['preset']} | {network} | {row['positions_per_s']:.0f} | {row['moves_per_s']:.0f} | "
                     f"{row['learner_steps_per_s']:.2f} | {row['network_share']:.0%} | {row['search_share']:.0%} | "
                     f"{row['learner_share']:.0%} |")  # fmt: skip
    lines += ["", "positions = full-search moves recorded for training; moves = all searched moves (full + cheap)."]
    markdown = "\n".join(lines)
    print(markdown)
    name = "selfplay_quick" if config.quick else "selfplay"
    write_results(name, {"config": dataclasses.asdict(config), "rows": rows}, markdown, environment=environment_info())
    return {"rows": rows}


if __name__ == "__main__":
    run(tyro.cli(SelfPlayBenchConfig))
