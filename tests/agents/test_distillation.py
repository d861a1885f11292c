"""Distillation: the KD loss term, α schedules, the distillation trainer (sources, exact resume,
CLI) and the teacher inside expert iteration with its automatic switch-off."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest
import torch

from boardzoo.agents.cli.app import main, parse_args
from boardzoo.agents.ground_truth import standard_positions
from boardzoo.agents.models import CheckpointError, NetworkConfig, build_network, save_checkpoint
from boardzoo.agents.players import RandomPlayer
from boardzoo.agents.solvers import solver_for
from boardzoo.agents.training.distillation import DistillConfig, distill, parse_source
from boardzoo.agents.training.expert_data import generate_dataset
from boardzoo.agents.training.expert_iteration.evaluation import EvaluationConfig
from boardzoo.agents.training.expert_iteration.learner import LearnerConfig
from boardzoo.agents.training.expert_iteration.replay import ReplayBuffer
from boardzoo.agents.training.expert_iteration.selfplay import SelfPlayConfig
from boardzoo.agents.training.expert_iteration.train import TrainConfig, Trainer
from boardzoo.agents.training.losses import Distillation, distillation_kl, policy_value_losses
from boardzoo.agents.training.positions import Positions
from boardzoo.agents.training.run_folder import RunFolder
from boardzoo.agents.training.teacher import AlphaSchedule, AnnealedTeacher, Comparison, Teacher, TeacherConfig
from boardzoo.envs import make

STUDENT = NetworkConfig(kind="mlp", blocks=1, channels=32)


@pytest.fixture(scope="module")
def game():
    return make("tic_tac_toe")


@pytest.fixture(scope="module")
def teacher_path(tmp_path_factory, game) -> Path:
    """A random network with a sharpened policy head: a teacher with definite, position-dependent
    preferences, made in milliseconds."""
    torch.manual_seed(1)
    network = build_network(NetworkConfig(kind="mlp", blocks=1, channels=32), game.observation_shape, game.num_actions)
    with torch.no_grad():
        network.policy_head.weight.mul_(20.0)
    return save_checkpoint(tmp_path_factory.mktemp("teacher") / "checkpoint", game, network)


@pytest.fixture(scope="module")
def positions(game) -> Positions:
    data = generate_dataset(game, RandomPlayer(), 20, np.random.default_rng(0))
    one_hot = np.eye(game.num_actions, dtype=np.float32)[data.action]
    return Positions(data.observation, data.legal, one_hot, data.z, data.z)


def tiny(out: Path, teacher: Path, **changes) -> DistillConfig:
    settings = dict(
        out=str(out),
        game="tic_tac_toe",
        teacher=str(teacher),
        student=STUDENT,
        steps=60,
        learner=LearnerConfig(batch_size=32, warmup_steps=0),
        selfplay_games=16,
        min_positions=100,
        log_interval=10,
        checkpoint_interval=20,
        eval_interval=-1,
        tensorboard=False,
        progress_bar=False,
        threads=1,
    )
    return DistillConfig(**{**settings, **changes})


def records(out: Path, kind: str) -> list[dict]:
    lines = (out / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["kind"] == kind]


# -- the loss ------------------------------------------------------------------------------
def test_the_distillation_term_is_zero_when_student_equals_teacher_at_t1_and_positive_otherwise():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(16, 9, generator=generator) * 3
    legal = torch.rand(16, 9, generator=generator) < 0.6
    legal[:, :2] = True
    masked = logits.masked_fill(~legal, float("-inf"))
    assert torch.equal(distillation_kl(masked, masked, 1.0), torch.zeros(16))
    other = (logits + torch.randn(16, 9, generator=generator)).masked_fill(~legal, float("-inf"))
    different = distillation_kl(other, masked, 1.0)
    assert (different > 0).all()
    assert (distillation_kl(other, masked, 4.0) > 0).any()
    # A teacher without support on some legal moves (a search that never visited them): finite.
    sparse = masked.clone()
    sparse[:, 0] = float("-inf")
    assert torch.isfinite(distillation_kl(other, sparse, 1.0)).all()


def test_a_network_distilled_into_itself_has_a_zero_term_and_gradient(game, positions):
    torch.manual_seed(0)
    network = build_network(STUDENT, game.observation_shape, game.num_actions).eval()
    with torch.no_grad():
        logits, value = network(torch.from_numpy(positions.observation), torch.from_numpy(positions.legal))
    itself = Distillation(logits, value, alpha=1.0, beta=1.0, temperature=1.0)
    terms = policy_value_losses(network, positions, 0.0, torch.device("cpu"), itself)
    assert terms["distill_kl"].item() == 0.0 and terms["teacher_kl"].item() == 0.0
    assert terms["policy_loss"].item() == 0.0 and terms["value_mse"].item() == 0.0
    terms["policy_loss"].backward()
    assert max(float(p.grad.abs().max()) for p in network.parameters() if p.grad is not None) < 1e-5
    # alpha 0, beta 0: the plain losses, the same numbers as without a teacher.
    plain = policy_value_losses(network, positions, 0.0, torch.device("cpu"))
    none = policy_value_losses(network, positions, 0.0, torch.device("cpu"), Distillation(logits, value, 0.0, 0.0))
    assert none["policy_loss"].item() == plain["policy_cross_entropy"].item()
    assert none["value_mse"].item() == plain["value_mse"].item()


def test_alpha_schedules_give_exact_values():
    constant = AlphaSchedule("constant", 0.7, 0.1)
    assert [constant.value(f) for f in (0.0, 0.5, 1.0)] == [0.7, 0.7, 0.7]
    linear = AlphaSchedule("linear", 1.0, 0.0)
    assert [linear.value(f) for f in (0.0, 0.25, 0.5, 1.0)] == [1.0, 0.75, 0.5, 0.0]
    assert AlphaSchedule("linear", 0.5, 1.0).value(0.5) == 0.75
    cosine = AlphaSchedule("cosine", 1.0, 0.0)
    assert [cosine.value(f) for f in (0.0, 0.5, 1.0)] == [1.0, 0.5, 0.0]
    assert cosine.value(0.25) == pytest.approx(0.5 * (1 + np.cos(np.pi / 4)), abs=1e-15)
    assert cosine.value(-1.0) == 1.0 and cosine.value(2.0) == 0.0  # clipped to the budget
    for bad in (dict(kind="exponential"), dict(start=1.5), dict(end=-0.1)):
        with pytest.raises(ValueError):
            AlphaSchedule(**bad)


# -- the trainer ---------------------------------------------------------------------------
def test_distillation_from_teacher_selfplay_reduces_the_kl_to_the_teacher(tmp_path, teacher_path):
    out = tmp_path / "run"
    path = distill(tiny(out, teacher_path, steps=150, learner=LearnerConfig(batch_size=64, warmup_steps=0)))
    assert path.name == "step_0000000150" and (out / "latest").read_text().strip() == path.name
    train = records(out, "train")
    assert [r["step"] for r in train] == list(range(10, 151, 10))
    first, last = train[0]["teacher_kl"], train[-1]["teacher_kl"]
    assert last < 0.5 * first, (first, last)
    assert {"distill_kl", "teacher_value_mse", "value_mse", "alpha", "beta"} <= set(train[-1])


def _interrupt_at(step: int):
    sent = []

    def callback(progress):
        if progress.step == step and not sent:  # once: a second Ctrl-C would abort
            sent.append(step)
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C: checkpoint now and stop

    return callback


@pytest.mark.parametrize("simulations", [0, 4], ids=["network-teacher", "search-teacher"])
def test_an_interrupted_run_resumes_to_the_same_weights_as_an_uninterrupted_one(tmp_path, teacher_path, simulations):
    whole = distill(tiny(tmp_path / "whole", teacher_path, simulations=simulations))
    config = tiny(tmp_path / "stopped", teacher_path, simulations=simulations)
    stopped = distill(config, callbacks=[_interrupt_at(27)])
    assert stopped.name == "step_0000000027"
    resumed = distill(config)
    start = records(tmp_path / "stopped", "start")[-1]
    assert start["resumed"] and start["step"] == 27
    assert resumed.name == whole.name == "step_0000000060"
    assert (resumed / "model.safetensors").read_bytes() == (whole / "model.safetensors").read_bytes()
    assert [r["step"] for r in records(tmp_path / "stopped", "train")][-3:] == [40, 50, 60]


def test_replay_and_dataset_sources(tmp_path, game, teacher_path, positions):
    # An expert-iteration-like run folder whose checkpoint keeps a replay buffer.
    buffer = ReplayBuffer(1_000, game.observation_shape, game.num_actions)
    buffer.add_game(positions)
    run = RunFolder(tmp_path / "ei")
    run.prepare()
    network = build_network(STUDENT, game.observation_shape, game.num_actions)
    run.save(5, game, network, arrays={"replay": buffer.state_arrays()})
    out = tmp_path / "from_replay"
    distill(tiny(out, teacher_path, source=f"replay:{tmp_path / 'ei'}", steps=20))
    assert records(out, "start")[0]["positions"] == len(positions)
    assert records(out, "train")[-1]["step"] == 20
    # An expert dataset.
    data = generate_dataset(game, RandomPlayer(), 10, np.random.default_rng(1))
    data.save(tmp_path / "expert.npz")
    out = tmp_path / "from_dataset"
    distill(tiny(out, teacher_path, source=f"dataset:{tmp_path / 'expert.npz'}", steps=20))
    assert records(out, "train")[-1]["step"] == 20
    # A checkpoint without a replay buffer, a dataset of another game, a teacher of another game.
    with pytest.raises(ValueError, match="no replay buffer"):
        distill(tiny(tmp_path / "x", teacher_path, source=f"replay:{teacher_path}"))
    other = generate_dataset(
        make("connect_four", rows=4, columns=4, x_in_row=3), RandomPlayer(), 2, np.random.default_rng(0)
    )
    other.save(tmp_path / "other.npz")
    with pytest.raises(ValueError, match="holds positions of connect_four"):
        distill(tiny(tmp_path / "y", teacher_path, source=f"dataset:{tmp_path / 'other.npz'}"))
    with pytest.raises(CheckpointError, match="trained for tic_tac_toe"):
        Teacher(str(teacher_path), make("connect_four"))


def test_the_student_is_scored_against_perfect_play(tmp_path, teacher_path, monkeypatch):
    monkeypatch.setenv("BOARDZOO_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "run"
    distill(tiny(out, teacher_path, steps=20, eval_interval=10, eval_positions=20))
    evaluations = records(out, "evaluation")
    assert [r["step"] for r in evaluations] == [10, 20]
    for key in ("student_accuracy", "student_accuracy_random", "student_accuracy_strong", "teacher_accuracy"):
        assert 0 <= evaluations[-1][key] <= 1, key


def test_config_checks():
    assert parse_source("replay:runs/x") == ("replay", "runs/x")
    assert parse_source("dataset:a:b.npz") == ("dataset", "a:b.npz")
    assert parse_source("selfplay") == ("selfplay", "")
    for bad in ("replay", "replay:", "selfplay:x", "games:x", ""):
        with pytest.raises(ValueError, match="source must be"):
            parse_source(bad)
    with pytest.raises(ValueError, match="needs source selfplay"):
        DistillConfig(game="tic_tac_toe", source="dataset:x.npz", simulations=8)
    with pytest.raises(ValueError, match="give a teacher"):
        distill(DistillConfig(game="tic_tac_toe", steps=1))


# -- the teacher inside expert iteration -----------------------------------------------------
def test_the_switch_off_fires_when_the_student_passes_the_teacher(game, teacher_path, positions):
    config = TeacherConfig(checkpoint=str(teacher_path), switch_off="student_passes_teacher")
    teacher = AnnealedTeacher(game, config)
    assert teacher.watching and teacher.distillation(positions, 0.25).alpha == 0.75
    assert not teacher.update(10, Comparison("accuracy", student=0.70, teacher=0.70))  # equal is not past
    assert teacher.active
    assert teacher.update(20, Comparison("accuracy", student=0.71, teacher=0.70))
    assert teacher.switched_off_at == 20 and not teacher.watching
    assert teacher.distillation(positions, 0.5) is None
    assert not teacher.update(30, Comparison("accuracy", student=0.9, teacher=0.7))  # fires once
    never = AnnealedTeacher(game, TeacherConfig(checkpoint=str(teacher_path)))
    assert not never.update(10, Comparison("score_vs_teacher", student=1.0, teacher=0.5)) and never.active


def test_the_comparison_with_the_teacher(tmp_path, game, teacher_path, monkeypatch):
    monkeypatch.setenv("BOARDZOO_CACHE", str(tmp_path))
    teacher = AnnealedTeacher(game, TeacherConfig(checkpoint=str(teacher_path)))
    sets = [standard_positions(game, "random", count=30, solver=solver_for(game))]
    itself = teacher.compare(teacher.teacher.network, position_sets=sets, games=4, seed=0)
    assert itself.measure == "accuracy" and itself.student == itself.teacher and not itself.student_passes
    arena = teacher.compare(teacher.teacher.network, position_sets=(), games=4, seed=0)
    assert arena.measure == "score_vs_teacher" and 0 <= arena.student <= 1 and arena.teacher == 0.5


def test_expert_iteration_with_a_teacher_logs_the_switch_off_and_drops_the_term(tmp_path, teacher_path, monkeypatch):
    passing = Comparison("accuracy", student=0.9, teacher=0.5)
    monkeypatch.setattr(AnnealedTeacher, "compare", lambda self, student, **kw: passing)
    out = tmp_path / "ei"
    config = TrainConfig(
        out=str(out),
        game="tic_tac_toe",
        minutes=None,
        steps=30,
        network=NetworkConfig(kind="mlp", blocks=1, channels=16),
        selfplay=SelfPlayConfig(batch_size=16, simulations=4, cheap_simulations=2, full_search_fraction=1.0),
        learner=LearnerConfig(batch_size=32),
        evaluation=EvaluationConfig(interval=20, games=2, simulations=2, ladder=("random",), perfect_play=0),
        teacher=TeacherConfig(checkpoint=str(teacher_path), switch_off="student_passes_teacher"),
        min_positions=100,
        checkpoint_interval=10,
        log_interval=10,
        tensorboard=False,
        progress_bar=False,
        threads=1,
    )
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert "teacher" not in TrainConfig().to_dict()  # runs without a teacher record what they always did
    Trainer(config).run()
    events = records(out, "event")
    assert [(e["event"], e["step"], e["student"]) for e in events] == [("teacher_switched_off", 20, 0.9)]
    train = {r["step"]: r for r in records(out, "train")}
    assert "distill_kl" in train[20] and train[10]["alpha"] < 1.0
    assert "distill_kl" not in train[30]
    # A resumed run remembers the switch-off.
    resumed = Trainer(dataclasses.replace(config, steps=40))
    resumed.folder.prepare()
    resumed._resume_if_possible()
    assert resumed.teacher is not None and resumed.teacher.switched_off_at == 20
    with pytest.raises(ValueError, match="evaluation.interval"):
        TrainConfig(
            teacher=TeacherConfig(checkpoint="x", switch_off="student_passes_teacher"),
            evaluation=EvaluationConfig(interval=0),
        )


# -- the command line ----------------------------------------------------------------------
def test_the_distill_command(tmp_path, capsys):
    args = ["distill", "tic_tac_toe", "--teacher", "t", "--student.kind", "resnet", "--student.blocks", "2"]
    args += ["--student.channels", "16", "--source", "replay:runs/x", "--temperature", "2", "--alpha.kind", "cosine"]
    config = parse_args(args)
    assert isinstance(config, DistillConfig) and config.game == "tic_tac_toe" and config.teacher == "t"
    assert config.student == NetworkConfig(kind="resnet", blocks=2, channels=16)
    assert config.source == "replay:runs/x" and config.temperature == 2.0 and config.alpha.kind == "cosine"
    assert parse_args(["distill", "connect_four"]).teacher == "connect_four"  # the pretrained agent
    for bad, expected in ((["--source", "bogus"], "source must be replay:RUN"), ([], "give a teacher")):
        with pytest.raises(SystemExit) as exit:
            main(["distill", "tic_tac_toe", "--out", str(tmp_path / "run"), *bad])
        assert exit.value.code == 2
        lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("boardzoo: error: ") and expected in lines[0], lines
