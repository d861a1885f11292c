"""Smoke runs of every `boardzoo` subcommand with tiny budgets, as a user would type them, and
the one-line report of a user error."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from boardzoo.agents.cli.app import parse_args
from boardzoo.agents.evaluation import CompareConfig
from boardzoo.agents.training import PPOConfig, TrainConfig

TINY_NET = ["--network.blocks", "1", "--network.channels", "8"]
QUIET = ["--no-progress-bar", "--threads", "1"]


def boardzoo(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "boardzoo.agents.cli", *args]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=300)


def test_help_lists_every_subcommand():
    result = boardzoo("--help")
    assert result.returncode == 0
    for command in ("train", "ppo", "bc", "play", "arena", "compare", "demo"):
        assert command in result.stdout


def test_the_game_is_a_positional_argument_with_its_own_defaults():
    hex_run = parse_args(["train", "hex", "--minutes", "5"])
    assert isinstance(hex_run, TrainConfig) and hex_run.game == "hex" and hex_run.game_params == {"board_size": 7}
    assert hex_run.minutes == 5 and hex_run.network.channels == 32
    ppo = parse_args(["ppo", "connect_four", "--steps", "100", "--minutes", "None"])
    assert isinstance(ppo, PPOConfig) and ppo.steps == 100 and ppo.out == "runs/ppo_connect_four"
    compare = parse_args(["compare", "tic_tac_toe", "--budget", "1"])
    assert isinstance(compare, CompareConfig) and compare.game == "tic_tac_toe" and compare.budget == 1


def test_ppo_trains_and_writes_a_loadable_checkpoint(tmp_path):
    out = tmp_path / "ppo"
    result = boardzoo(
        "ppo",
        "tic_tac_toe",
        "--out",
        str(out),
        "--steps",
        "256",
        "--minutes",
        "None",
        "--num-envs",
        "16",
        "--n-steps",
        "16",
        "--batch-size",
        "64",
        "--n-epochs",
        "1",
        "--network.trunk.blocks",
        "1",
        "--network.trunk.channels",
        "8",
        *QUIET,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "final checkpoint" in result.stdout and (out / "latest").is_file()


def test_bc_makes_its_dataset_then_trains(tmp_path):
    out = tmp_path / "bc"
    result = boardzoo(
        "bc",
        "tic_tac_toe",
        "--out",
        str(out),
        "--dataset",
        str(tmp_path / "expert.npz"),
        "--expert",
        "uct:10",
        "--expert-games",
        "8",
        "--steps",
        "20",
        *TINY_NET,
        *QUIET,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "expert.npz").is_file() and (out / "latest").is_file()


def test_arena_prints_an_elo_table(tmp_path):
    result = boardzoo(
        "arena",
        "tic_tac_toe",
        "--players",
        "random",
        "uct:10",
        "--games",
        "4",
        "--log",
        str(tmp_path / "matches.jsonl"),
        "--bootstrap",
        "2",
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| uct10 |" in result.stdout and "| random |" in result.stdout


def test_play_against_the_pretrained_agent_until_the_input_ends():
    result = boardzoo("play", "connect_four", "--simulations", "2", stdin="d\nd\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "agent plays" in result.stdout and "input ended" in result.stdout


def test_demo_runs():
    result = boardzoo("demo", "--seconds", "0.01", "--batch-size", "4")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "steps/s" in result.stdout


def test_a_user_error_is_one_line_and_status_2(tmp_path):
    result = boardzoo("play", "connect_four", "--agent", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "missing" in result.stderr and "Traceback" not in result.stderr


def test_old_import_paths_still_work_with_a_deprecation_warning():
    code = (
        "import warnings; warnings.simplefilter('error', DeprecationWarning)\n"
        "try:\n    import boardzoo.agents.agent_loading\nexcept DeprecationWarning as w:\n    print(w)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "moved to boardzoo.agents.players.loading" in result.stdout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from boardzoo.agents.expert_iteration.train import TrainConfig as Old
        from boardzoo.agents.network_evaluator import TorchEvaluator
    assert Old is TrainConfig and TorchEvaluator.__module__ == "boardzoo.agents.models.evaluator"


@pytest.mark.parametrize("name", ["load_player", "UCTPlayer", "TrainConfig", "train_ppo", "BCConfig", "Arena"])
def test_the_package_exports_what_users_need(name):
    import boardzoo.agents

    assert name in boardzoo.agents.__all__ and getattr(boardzoo.agents, name) is not None


def test_pretrained_folder_is_where_the_package_says():
    import boardzoo.agents

    assert (Path(boardzoo.agents.__file__).parent / "pretrained" / "connect_four" / "config.json").is_file()
