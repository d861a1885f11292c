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
    for command in ("train", "ppo", "bc", "distill", "play", "arena", "compare", "evaluate", "study", "demo"):
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


def _user_error(*args: str, stdin: str = "") -> str:
    result = boardzoo(*args, stdin=stdin)
    assert result.returncode == 2, (args, result.stdout[-500:], result.stderr[-2000:])
    lines = [line for line in result.stderr.splitlines() if line.strip() and "%|" not in line]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("boardzoo: error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("bogus",), "bogus"),
        (("train", "chess"), "chess"),
        (("train", "connect_four", "--bogus", "3"), "--bogus"),
        (("train", "connect_four", "--minutes", "abc"), "--minutes"),
        (("train", "connect_four", "--minutes", "-1"), "minutes must be a number > 0"),
        (("train", "connect_four", "--network.channels", "0"), "channels must be a positive int, got 0"),
        (("ppo", "hex", "--num-envs", "0"), "num_envs"),
        (("bc", "tic_tac_toe", "--expert", "oracle"), "bad player spec 'oracle'"),
        (("play", "connect_four", "--simulations", "-1"), "simulations must be an int >= 0"),
        (("play", "connect_four", "--agent", "/nonexistent/run"), "/nonexistent/run"),
        (("arena", "tic_tac_toe", "--players", "random", "bogus"), "bad player spec 'bogus'"),
        (("arena", "tic_tac_toe", "--players", "random"), "at least two different players"),
        (("arena", "tic_tac_toe", "--games", "0"), "games must be a positive int, got 0"),
        (("arena", "tic_tac_toe", "--bootstrap", "-2"), "bootstrap must be an int >= 0"),
        (("arena", "tic_tac_toe", "--players", "random", "network:/no/such:dir"), "/no/such:dir"),
        (("compare", "connect_four", "--budget", "nan"), "budget"),
    ],
)
def test_user_errors_are_one_line_and_status_2(args, expected):
    assert expected in _user_error(*args)


def test_an_unwritable_output_folder_is_named(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    line = _user_error("train", "tic_tac_toe", "--out", str(blocker / "run"), "--steps", "5", "--minutes", "None")
    assert str(blocker) in line


def test_a_damaged_checkpoint_is_named(tmp_path):
    import shutil

    from boardzoo.agents.players import resolve_checkpoint

    copy = tmp_path / "agent"
    shutil.copytree(resolve_checkpoint("connect_four"), copy)
    (copy / "model.safetensors").write_bytes(b"\0" * 10)
    assert "model.safetensors" in _user_error("play", "connect_four", "--agent", str(copy))


def test_a_damaged_match_log_names_its_file_and_line(tmp_path):
    log = tmp_path / "matches.jsonl"
    good = '{"game": "x", "a": "p", "b": "q", "seat_a": 0, "outcome_a": 1.0, "plies": 5}'
    log.write_text(good + "\n{oops\n")
    line = _user_error("arena", "tic_tac_toe", "--players", "random", "uct:5", "--games", "1", "--log", str(log))
    assert f"{log}:2" in line


def test_play_refuses_a_signed_move_number():
    import numpy as np

    from boardzoo.agents.cli.play import parse_move
    from boardzoo.envs import make

    game = make("tic_tac_toe")
    state = game.init(1)
    assert parse_move(game, state, "0") == 0
    for text in ("-0", "+0", "00", "9", "x"):
        with pytest.raises(ValueError, match="not a legal move"):
            parse_move(game, state, text)
    assert np.asarray(state.legal_action_mask).sum() == 9
