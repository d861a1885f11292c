"""The training loop: exact resume after a kill, Ctrl-C checkpoints, logs, config checks, CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from boardzoo.agents.cli import main
from boardzoo.agents.models.checkpoint import CheckpointError, load_arrays
from boardzoo.agents.players import RandomPlayer
from boardzoo.agents.players.loading import load_player
from boardzoo.agents.players.match import play_match
from boardzoo.agents.training.expert_iteration.evaluation import EvaluationConfig, perfect_play_sets
from boardzoo.agents.training.expert_iteration.train import TrainConfig, train
from boardzoo.envs import make

TINY = [
    "--network.blocks",
    "1",
    "--network.channels",
    "8",
    "--selfplay.batch_size",
    "16",
    "--selfplay.simulations",
    "8",
    "--selfplay.cheap_simulations",
    "2",
    "--learner.batch_size",
    "32",
    "--min_positions",
    "100",
    "--checkpoint_interval",
    "10",
    "--evaluation.interval",
    "-1",
    "--threads",
    "1",
    "--no_tensorboard",
    "--no_progress_bar",
    "--minutes",
    "None",
]


def train_command(out: Path, steps: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "boardzoo.agents.cli",
        "train",
        "tic_tac_toe",
        "--out",
        str(out),
        "--steps",
        str(steps),
        *TINY,
        *extra,
    ]


def latest(out: Path) -> str | None:
    file = out / "latest"
    return file.read_text().strip() if file.is_file() else None


def assert_same_checkpoint(a: Path, b: Path) -> None:
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    for stem in ("replay", "selfplay"):
        x, y = load_arrays(a, stem), load_arrays(b, stem)
        assert x.keys() == y.keys()
        for key in x:
            np.testing.assert_array_equal(x[key], y[key], err_msg=f"{stem}/{key}")


@pytest.mark.parametrize(
    "extra",
    [(), ("--overlap",), ("--selfplay.random-opening-moves", "3")],
    ids=["alternating", "overlapped", "random-openings"],
)
def test_a_run_killed_and_resumed_gives_the_same_checkpoints_as_an_uninterrupted_one(tmp_path, extra):
    # Overlapped learning (a learner thread beside self-play) is as reproducible as alternating,
    # and so are random openings (drawn from the self-play generator, whose state is saved).
    steps = 150
    subprocess.run(train_command(tmp_path / "whole", steps, *extra), check=True, capture_output=True)
    killed = tmp_path / "killed"
    process = subprocess.Popen(
        train_command(killed, steps, *extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while latest(killed) is None and process.poll() is None:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    at_kill = latest(killed)
    assert at_kill is not None and at_kill != f"step_{steps:010d}", "the run ended before it could be killed"
    subprocess.run(train_command(killed, steps, *extra), check=True, capture_output=True)
    name = f"step_{steps:010d}"
    assert latest(killed) == name
    assert_same_checkpoint(tmp_path / "whole" / "checkpoints" / name, killed / "checkpoints" / name)


def test_ctrl_c_checkpoints_and_exits_cleanly(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(train_command(out, 100_000), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while latest(out) is None and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert b"stopping after this step" in stderr
    step = int(latest(out).removeprefix("step_"))
    assert 10 <= step < 100_000


def tiny_config(out: Path, **changes) -> TrainConfig:
    from boardzoo.agents.cli.app import parse_args

    config = parse_args(["train", "tic_tac_toe", "--out", str(out), "--steps", "30", *TINY])
    return config if not changes else TrainConfig(**{**config.__dict__, **changes})


def test_logs_evaluation_and_a_playable_checkpoint(tmp_path):
    out = tmp_path / "run"
    evaluation = EvaluationConfig(interval=0, games=4, ladder=("random", "uct:10"))
    config = tiny_config(out, evaluation=evaluation, tensorboard=True)
    train(config)
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    kinds = [r["kind"] for r in records]
    assert kinds[0] == "start" and "train" in kinds and kinds[-1] == "evaluation"
    start, evaluation = records[0], records[-1]
    assert start["parameters"] > 0 and start["flops_per_evaluation"] > 0
    assert set(evaluation) >= {"search_vs_random", "network_vs_random", "search_vs_uct10", "network_vs_uct10"}
    # Tic-tac-toe has a solver: the run is scored against perfect play on both standard sets.
    for key in ("search_accuracy", "network_accuracy_random", "network_accuracy_strong", "network_value_accuracy"):
        assert 0 <= evaluation[key] <= 1, key
    assert evaluation["search_accuracy"] >= evaluation["network_accuracy"] - 0.05  # search helps (or about)
    train_record = next(r for r in records if r["kind"] == "train")
    for key in (
        "policy_cross_entropy",
        "value_mse",
        "policy_entropy",
        "policy_kl",
        "time_search_s",
        "time_network_s",
        "time_learner_s",
        "positions_per_s",
    ):
        assert np.isfinite(train_record[key]), key
    assert any(p.name.startswith("events.out.tfevents") for p in (out / "tensorboard").iterdir())
    game = make("tic_tac_toe")
    for player in (load_player(out, game, simulations=8), load_player(out, "tic_tac_toe", simulations=0)):
        result = play_match(game, player, RandomPlayer(), 4, np.random.default_rng(0))
        assert result.outcome.shape == (4,)
    with pytest.raises(CheckpointError, match="trained for tic_tac_toe"):
        load_player(out, "connect_four")


def test_perfect_play_scoring_can_be_switched_off_and_is_skipped_without_a_quick_solver(tmp_path):
    assert len(perfect_play_sets(make("tic_tac_toe"), EvaluationConfig(perfect_play=20))) == 2
    assert perfect_play_sets(make("tic_tac_toe"), EvaluationConfig(perfect_play=0)) == ()
    assert perfect_play_sets(make("tic_tac_toe"), EvaluationConfig(interval=-1)) == ()
    assert perfect_play_sets(make("hex", board_size=7), EvaluationConfig()) == ()
    with pytest.raises(ValueError, match="perfect_play"):
        EvaluationConfig(perfect_play=-3)


def test_resuming_with_a_different_config_is_refused(tmp_path):
    out = tmp_path / "run"
    train(tiny_config(out))
    with pytest.raises(CheckpointError, match=r"different config \(seed\)"):
        train(tiny_config(out, seed=1, steps=40))
    train(tiny_config(out, steps=40))  # a larger budget is fine
    assert latest(out) == "step_0000000040"


def test_bad_train_configs_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match="give a budget"):
        TrainConfig(minutes=None, steps=None)
    with pytest.raises(ValueError, match="replay_sampling must be one of"):
        TrainConfig(replay_sampling="episode")
    with pytest.raises(SystemExit):
        main(["train", "chess"])
