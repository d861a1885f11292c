"""The run folder is crash-consistent: `latest` always names a complete checkpoint, pruning
keeps the newest, a killed writer's leftovers go away, a resumed run logs each step once, the
folder may be spelled or moved any way, and a step-budget run does not depend on the clock."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch

from boardzoo.agents.models import NetworkConfig, build_network
from boardzoo.agents.training.run_folder import RunFolder, checkpoint_name
from boardzoo.envs import make
from tests.reliability._cli import TINY_TRAIN

TINY = [*TINY_TRAIN, "--log-interval", "5", "--threads", "1", "--no-progress-bar"]


def boardzoo(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "boardzoo.agents.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=300)


def folder_with_checkpoints(tmp_path: Path, steps: tuple[int, ...], keep: int = 2) -> RunFolder:
    game = make("tic_tac_toe")
    network = build_network(NetworkConfig(blocks=0, channels=4), game.observation_shape, game.num_actions)
    folder = RunFolder(tmp_path / "run", keep=keep)
    folder.prepare()
    for step in steps:
        folder.save(step, game, network)
    return folder


def test_pruning_keeps_the_newest_and_latest_names_the_last_written(tmp_path):
    folder = folder_with_checkpoints(tmp_path, (5, 10, 100, 20), keep=2)
    names = sorted(p.name for p in folder.checkpoints.iterdir())
    assert names == [checkpoint_name(20), checkpoint_name(100)]  # 20 was just written: kept though not newest
    assert folder.latest().name == checkpoint_name(20)


def test_a_missing_or_dangling_latest_is_rebuilt_from_the_newest_complete_checkpoint(tmp_path):
    folder = folder_with_checkpoints(tmp_path, (10, 20, 30), keep=3)
    (folder.path / "latest").unlink()
    shutil.rmtree(folder.checkpoints / checkpoint_name(30) / "model.safetensors", ignore_errors=True)
    (folder.checkpoints / checkpoint_name(30) / "config.json").write_text("{broken")
    assert folder.latest().name == checkpoint_name(20)
    assert (folder.path / "latest").read_text().strip() == checkpoint_name(20)
    (folder.path / "latest").write_text("step_9999999999\n")
    assert folder.latest().name == checkpoint_name(20)


def test_staging_leftovers_of_a_killed_writer_are_removed_on_the_next_start(tmp_path):
    folder = folder_with_checkpoints(tmp_path, (10,))
    (folder.checkpoints / ".staging-step_0000000020.abc").mkdir()
    (folder.path / ".staging-latest.123").write_text("x")
    folder.prepare()
    assert not [p for p in (*folder.path.iterdir(), *folder.checkpoints.iterdir()) if p.name.startswith(".staging")]


def test_rewinding_metrics_keeps_each_step_once(tmp_path):
    folder = RunFolder(tmp_path / "run")
    folder.prepare()
    for step in (5, 10, 15, 20):
        folder.log({"kind": "train", "step": step})
    folder.rewind_metrics(10)
    for step in (15, 20):
        folder.log({"kind": "train", "step": step})
    steps = [json.loads(line)["step"] for line in (folder.path / "metrics.jsonl").read_text().splitlines()]
    assert steps == [5, 10, 15, 20]


def test_a_run_resumes_however_its_folder_is_spelled_and_after_it_is_moved(tmp_path):
    first = boardzoo(*TINY, "--out", "runs/x", "--steps", "20", "--minutes", "None", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    for spelling, steps in (("./runs/x", 30), ("runs/x/", 40), (str(tmp_path / "runs" / "x"), 50)):
        again = boardzoo(*TINY, "--out", spelling, "--steps", str(steps), "--minutes", "None", cwd=tmp_path)
        assert again.returncode == 0 and "resuming" in again.stderr, again.stderr[-2000:]
    shutil.move(tmp_path / "runs" / "x", tmp_path / "moved")
    moved = boardzoo(*TINY, "--out", str(tmp_path / "moved"), "--steps", "60", "--minutes", "None")
    assert moved.returncode == 0 and "resuming" in moved.stderr, moved.stderr[-2000:]
    assert (tmp_path / "moved" / "latest").read_text().strip() == checkpoint_name(60)


def test_after_a_kill_and_resume_each_step_is_logged_once(tmp_path):
    out = tmp_path / "run"
    args = [sys.executable, "-m", "boardzoo.agents.cli", *TINY, "--out", str(out), "--steps", "80", "--minutes", "None"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (out / "latest").is_file() and process.poll() is None:
            time.sleep(0.005)
        time.sleep(0.3)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert subprocess.run(args, capture_output=True).returncode == 0
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in records if r["kind"] == "train"]
    assert steps == sorted(set(steps)) and steps[-1] == 80


def test_ctrl_c_logs_the_cut_interval_and_a_second_ctrl_c_exits_without_a_traceback(tmp_path):
    out = tmp_path / "run"
    args = [sys.executable, "-m", "boardzoo.agents.cli", *TINY, "--out", str(out), "--steps", "100000"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while not (out / "latest").is_file() and process.poll() is None:
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    seen = ""
    while "stopping" not in seen and process.poll() is None:  # the first Ctrl-C was heard
        seen += process.stderr.readline()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in stderr, stderr[-2000:]
    assert "interrupted" in stderr.splitlines()[-1]
    latest = out / "checkpoints" / (out / "latest").read_text().strip()
    assert (latest / "config.json").is_file() and (latest / "model.safetensors").is_file()

    resumed = tmp_path / "resumed"
    args = [sys.executable, "-m", "boardzoo.agents.cli", *TINY, "--out", str(resumed), "--steps", "100000"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    while not (resumed / "latest").is_file() and process.poll() is None:
        time.sleep(0.005)
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr[-2000:]
    records = [json.loads(line) for line in (resumed / "metrics.jsonl").read_text().splitlines()]
    final = int((resumed / "latest").read_text().strip().removeprefix("step_"))
    assert [r for r in records if r["kind"] == "train"][-1]["step"] == final  # the cut interval is logged


def test_two_step_budget_runs_are_identical_whatever_the_clock(tmp_path):
    # The preset keeps its minutes budget: with --steps, schedules must follow steps alone.
    weights = []
    for name in ("a", "b"):
        result = boardzoo(*TINY, "--out", str(tmp_path / name), "--steps", "40")
        assert result.returncode == 0, result.stderr[-2000:]
        weights.append((tmp_path / name / "checkpoints" / checkpoint_name(40) / "model.safetensors").read_bytes())
    assert weights[0] == weights[1]
    assert os.environ.get("BOARDZOO_DEBUG", "") in ("", "0")
    assert torch.get_num_threads() >= 1
