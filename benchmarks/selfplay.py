"""Expert-iteration throughput: self-play positions per second and where the time goes.

Runs the real training loop (`boardzoo.agents.training.expert_iteration.train`) with each game's
preset (`boardzoo train <game>` defaults: network, batch, simulations, playout cap
randomization, learner reuse) for `seconds` per repeat, from scratch, and reads its clock:

- positions/s: training positions recorded (full searches) per second of the loop;
- moves/s: all self-play moves searched (full and cheap) per second;
- the split of the loop's time between the network forward in search, search bookkeeping
  (selection, expansion, kernel steps, observations, backup), and the learner.

Learning starts after `min_positions` (lowered here so the learner runs in a short window).
Each `variant` is a lever on top of the preset, measured in the same run as the preset itself:
`overlap` (the learner on a second thread beside self-play), `bf16` (self-play inference under
bfloat16 autocast), `overlap+bf16`. With overlap the time split adds up to more than 100%.
Medians of `repeats` are reported; results go to `benchmarks/results/selfplay.{json,md}`.

    .venv/bin/python benchmarks/selfplay.py                  # C4 and Hex 7x7, 3 x 60 s each
    .venv/bin/python benchmarks/selfplay.py --games connect_four --variants preset overlap bf16 overlap+bf16
    .venv/bin/python benchmarks/selfplay.py --quick          # smoke run
"""

from __future__ import annotations

# ruff: noqa: E402 - `setup_process()` must run before numpy, numba and torch are imported
from _harness import DEFAULT_OUT, publish, result_name, setup_process, table

setup_process(threads=None)  # malloc tuning; the training presets set their own threads

import dataclasses
import json
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import tyro

from boardzoo.agents.models import build_network, count_parameters, flops_per_evaluation
from boardzoo.agents.training.expert_iteration.evaluation import EvaluationConfig
from boardzoo.agents.training.expert_iteration.presets import PRESETS
from boardzoo.agents.training.expert_iteration.train import train
from boardzoo.agents.training.run import StopSignal
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
    variants: tuple[str, ...] = ("preset",)
    """levers on top of the preset: preset, overlap, bf16, overlap+bf16"""
    quick: bool = False
    """smoke run: 10 s, 1 repeat, results saved as selfplay_quick"""
    out: str = DEFAULT_OUT
    """output folder (relative paths are taken from the repository root)"""


VARIANTS = ("preset", "overlap", "bf16", "overlap+bf16")


def variant_of(preset: Any, variant: str) -> Any:
    """The preset with a variant's levers switched on."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; allowed: {', '.join(VARIANTS)}")
    levers = set(variant.split("+")) - {"preset"}
    selfplay = dataclasses.replace(preset.selfplay, precision="bfloat16") if "bf16" in levers else preset.selfplay
    return dataclasses.replace(preset, overlap="overlap" in levers, selfplay=selfplay)


def measure(game_name: str, seconds: float, min_positions: int, seed: int, variant: str = "preset") -> dict[str, float]:
    """One fresh run of the preset (with a variant's levers) for `seconds`; rates and time split
    from its metrics log."""
    _, preset = PRESETS[game_name]
    preset = variant_of(preset, variant)
    with tempfile.TemporaryDirectory() as folder:
        config = dataclasses.replace(
            preset,
            out=folder,
            minutes=seconds / 60,
            steps=None,
            seed=seed,
            min_positions=min_positions,
            evaluation=EvaluationConfig(interval=-1),
            checkpoint_interval=10**9,
            log_interval=1,
            tensorboard=False,
            progress_bar=False,
        )
        with StopSignal() as stop:  # Ctrl-C ends the benchmark, not just this repeat
            train(config)
        stop.raise_if_requested("a timed self-play run", resumable=False)
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
    for game_name, variant in ((g, v) for g in config.games for v in config.variants):
        _, preset = PRESETS[game_name]
        game = make(preset.game, **preset.game_params)
        net = build_network(preset.network, game.observation_shape, game.num_actions)
        min_positions = min(config.min_positions, 256) if config.quick else config.min_positions
        samples = [measure(game_name, seconds, min_positions, seed, variant) for seed in range(repeats)]
        median = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
        rows.append(
            {
                "game": repr(game),
                "preset": game_name,
                "variant": variant,
                "network": preset.network.to_dict(),
                "parameters": count_parameters(net),
                "flops_per_evaluation": flops_per_evaluation(net),
                "selfplay": preset.selfplay.__dict__,
                "samples": samples,
                **median,
            }
        )
        print(f"{game_name} {variant}: {median['positions_per_s']:.0f} positions/s", flush=True)
    cells = []
    for row in rows:
        network = f"{row['network']['kind']} {row['network']['blocks']}×{row['network']['channels']}"
        base = next((r for r in rows if r["preset"] == row["preset"] and r["variant"] == "preset"), None)
        speedup = f"{row['positions_per_s'] / base['positions_per_s']:.2f}x" if base else "–"
        rates = [f"{row['positions_per_s']:.0f}", speedup, f"{row['moves_per_s']:.0f}"]
        rates.append(f"{row['learner_steps_per_s']:.2f}")
        shares = [f"{row[key]:.0%}" for key in ("network_share", "search_share", "learner_share")]
        cells.append([row["preset"], row["variant"], network, *rates, *shares])
    columns = [
        "preset",
        "variant",
        "network",
        "positions/s",
        "× preset",
        "moves/s",
        "learner steps/s",
        "network",
        "search bookkeeping",
        "learner",
    ]
    markdown = "\n".join(
        [
            f"Training loop with each preset, {repeats} × {seconds:.0f} s from scratch, torch threads = "
            f"{torch.get_num_threads()}; medians.",
            "",
            table(columns, cells, left=3),
            "",
            "positions = full-search moves recorded for training; moves = all searched moves (full + cheap).",
        ]
    )
    payload = {"config": dataclasses.asdict(config), "rows": rows}
    publish(result_name("selfplay", quick=config.quick), payload, markdown, out=config.out)
    return {"rows": rows}


if __name__ == "__main__":
    run(tyro.cli(SelfPlayBenchConfig))
