"""Fault tests for the four trainers (expert iteration, PPO, BC, distillation), run as a user
runs them (the `boardzoo` command in a subprocess): SIGKILL at a random moment after the first
checkpoint, and once in the middle of writing one, then the same command again; the resumed run
must end in byte-identical checkpoints to a run never interrupted. A full disk (a file-size
limit) must fail with one line naming the file, leave no damaged checkpoint, and resume once
space is back."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from boardzoo.agents.models import NetworkConfig, build_network, load_arrays, read_config, save_checkpoint
from boardzoo.envs import make
from tests.reliability._cli import TINY_TRAIN

EXPERT_ITERATION = [*TINY_TRAIN, "--steps", "120"]
PPO = [
    "ppo",
    "tic_tac_toe",
    "--network.trunk.blocks",
    "1",
    "--network.trunk.channels",
    "8",
    "--num-envs",
    "16",
    "--n-steps",
    "16",
    "--batch-size",
    "64",
    "--n-epochs",
    "1",
    "--checkpoint-interval",
    "256",
    "--snapshot-interval",
    "512",
    "--steps",
    "3072",
]
BC = [
    "bc",
    "tic_tac_toe",
    "--network.blocks",
    "1",
    "--network.channels",
    "8",
    "--checkpoint-interval",
    "10",
    "--batch-size",
    "32",
    "--steps",
    "300",
]
DISTILL = [
    "distill",
    "tic_tac_toe",
    "--student.blocks",
    "1",
    "--student.channels",
    "8",
    "--learner.batch-size",
    "32",
    "--checkpoint-interval",
    "10",
    "--eval-interval",
    "-1",
    "--no-tensorboard",
    "--steps",
    "200",
]
COMMON = ["--minutes", "None", "--threads", "1", "--no-progress-bar"]
TRAINERS = {"expert_iteration": EXPERT_ITERATION, "ppo": PPO, "bc": BC, "distill": DISTILL}


@pytest.fixture(scope="module")
def bc_dataset(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "expert.npz"
    subprocess.run([*command("bc", path.parent / "unused", path), "--steps", "1"], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def teacher(tmp_path_factory) -> Path:
    # An untrained network is teacher enough: the test is about resuming, not learning.
    game = make("tic_tac_toe")
    torch.manual_seed(0)
    network = build_network(NetworkConfig(blocks=1, channels=8), game.observation_shape, game.num_actions)
    return save_checkpoint(tmp_path_factory.mktemp("teacher") / "checkpoint", game, network)


def command(trainer: str, out: Path, dataset: Path | None = None, teacher: Path | None = None) -> list[str]:
    args = [*TRAINERS[trainer], *COMMON, "--out", str(out)]
    if trainer == "bc":
        args += ["--dataset", str(dataset), "--expert", "uct:8", "--expert-games", "16"]
    if trainer == "distill":
        args += ["--teacher", str(teacher), "--source", f"dataset:{dataset}"]
    return [sys.executable, "-m", "boardzoo.agents.cli", *args]


def final_checkpoint(out: Path) -> Path:
    return out / "checkpoints" / (out / "latest").read_text().strip()


def assert_identical(a: Path, b: Path) -> None:
    assert a.name == b.name
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes(), a.name
    for stem in ("replay", "selfplay"):
        if (a / f"{stem}.npz").is_file():
            x, y = load_arrays(a, stem), load_arrays(b, stem)
            for key in x:
                np.testing.assert_array_equal(x[key], y[key], err_msg=f"{stem}/{key}")


def kill_midway(args: list[str], out: Path, *, during_save: bool, rng: np.random.Generator) -> str:
    """Start the run and SIGKILL it after its first checkpoint (at a random moment, or while a
    checkpoint is being written); returns what was caught."""
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoints = out / "checkpoints"
    try:
        while not (out / "latest").is_file() and process.poll() is None:
            time.sleep(0.002)
        if during_save:
            while process.poll() is None:
                if checkpoints.is_dir() and any(e.name.startswith(".staging-") for e in os.scandir(checkpoints)):
                    break
        else:
            time.sleep(float(rng.uniform(0.0, 0.5)))
        caught = process.poll() is None
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    return "killed" if caught else "finished first"


@pytest.mark.parametrize("trainer", sorted(TRAINERS))
def test_sigkill_at_random_moments_and_mid_save_then_resume_is_byte_identical(trainer, tmp_path, bc_dataset, teacher):
    whole = tmp_path / "whole"
    subprocess.run(command(trainer, whole, bc_dataset, teacher), check=True, capture_output=True)
    rng = np.random.default_rng(sorted(TRAINERS).index(trainer))  # str hashes vary per process
    outcomes = []
    for attempt, during_save in enumerate((False, True)):
        out = tmp_path / f"killed{attempt}"
        args = command(trainer, out, bc_dataset, teacher)
        outcomes.append(kill_midway(args, out, during_save=during_save, rng=rng))
        resumed = subprocess.run(args, capture_output=True, text=True)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        assert not any(p.name.startswith(".staging-") for p in (out / "checkpoints").iterdir())
        assert_identical(final_checkpoint(whole), final_checkpoint(out))
    assert "killed" in outcomes, f"no run could be killed before it ended: {outcomes}"


def _limit_file_size(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_fails_cleanly_and_the_run_resumes(tmp_path):
    whole = tmp_path / "whole"
    subprocess.run(command("expert_iteration", whole), check=True, capture_output=True)
    out = tmp_path / "full"
    limited = subprocess.run(
        command("expert_iteration", out), capture_output=True, text=True, preexec_fn=_limit_file_size(96 * 1024)
    )
    assert limited.returncode == 2, limited.stderr[-2000:]
    lines = [line for line in limited.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot write" in lines[0] and str(out) in lines[0], limited.stderr[-2000:]
    latest = final_checkpoint(out)
    read_config(latest)  # the checkpoint `latest` names is complete and intact
    resumed = subprocess.run(command("expert_iteration", out), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_identical(final_checkpoint(whole), final_checkpoint(out))
