"""Changing a run's network: a growth schedule (net2net inside expert iteration) and
architecture migration, each resuming bit-exactly; bad schedules refused."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import shutil
import signal
from pathlib import Path

import pytest
import torch

from boardzoo.agents.models import CheckpointError, NetworkConfig, load_checkpoint
from boardzoo.agents.training.distillation import DistillConfig, distill
from boardzoo.agents.training.expert_iteration.architecture import GrowthStage, parse_growth
from boardzoo.agents.training.expert_iteration.evaluation import EvaluationConfig
from boardzoo.agents.training.expert_iteration.learner import Learner, LearnerConfig
from boardzoo.agents.training.expert_iteration.selfplay import SelfPlayConfig
from boardzoo.agents.training.expert_iteration.train import TrainConfig, Trainer

train_module = importlib.import_module("boardzoo.agents.training.expert_iteration.train")  # not the function
SMALL = NetworkConfig(kind="resnet", blocks=1, channels=8)


def tiny(out: Path, **changes) -> TrainConfig:
    settings = dict(
        out=str(out),
        game="tic_tac_toe",
        minutes=None,
        steps=40,
        network=SMALL,
        selfplay=SelfPlayConfig(batch_size=16, simulations=8, cheap_simulations=2),
        learner=LearnerConfig(batch_size=32, warmup_steps=5),
        evaluation=EvaluationConfig(interval=-1),
        min_positions=100,
        checkpoint_interval=10,
        log_interval=10,
        tensorboard=False,
        progress_bar=False,
        threads=1,
    )
    return TrainConfig(**{**settings, **changes})


def events(out: Path) -> list[dict]:
    records = map(json.loads, (out / "metrics.jsonl").read_text().splitlines())
    return [r for r in records if r["kind"] == "event"]


def stop_at(step: int):
    """A callback that asks the run to stop (as Ctrl-C does) once it has reached `step`."""
    sent = []

    def callback(progress):
        if progress.step >= step and not sent:
            sent.append(progress.step)
            os.kill(os.getpid(), signal.SIGINT)

    return callback


def same_weights(a: Path, b: Path) -> bool:
    return (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()


GROWTH = ("0.25:2x12", "0.5:3x16")


OVERLAP = pytest.mark.parametrize("overlap", [False, True], ids=["alternating", "overlapped"])


@OVERLAP
def test_a_growth_schedule_grows_at_its_steps_keeping_the_function_and_resumes_exactly(tmp_path, monkeypatch, overlap):
    grown = []
    original = train_module.grow_network

    def recording(net, stage, seed):
        observations = torch.rand(64, *net.observation_shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
        with torch.no_grad():
            before = net(observations)
            networks = original(net, stage, seed)
            after = networks[-1](observations)
        grown.append((before, after, networks[-1].training))
        return networks

    monkeypatch.setattr(train_module, "grow_network", recording)
    whole = Trainer(tiny(tmp_path / "whole", growth=GROWTH, overlap=overlap)).run()
    assert [(e["event"], e["step"], e["from"], e["to"]) for e in events(tmp_path / "whole")] == [
        ("growth", 10, "1x8", "2x12"),
        ("growth", 20, "2x12", "3x16"),
    ]
    assert len(grown) == 2
    for (logits, value), (new_logits, new_value), training in grown:
        assert not training  # compared in eval mode, as self-play and evaluation use it
        torch.testing.assert_close(new_logits, logits, atol=1e-5, rtol=0)
        torch.testing.assert_close(new_value, value, atol=1e-5, rtol=0)
    assert load_checkpoint(whole).network.config == NetworkConfig(kind="resnet", blocks=3, channels=16)

    # Stopped between the two growths, then resumed: the same final weights and replay.
    config = tiny(tmp_path / "stopped", growth=GROWTH, overlap=overlap)
    stopped = Trainer(config, callbacks=[stop_at(13)]).run()
    assert 10 < int(stopped.name.removeprefix("step_")) < 20
    assert load_checkpoint(stopped).network.config.channels == 12
    resumed = Trainer(config).run()
    assert resumed.name == whole.name == "step_0000000040"
    assert same_weights(resumed, whole)
    assert (resumed / "replay.npz").read_bytes() == (whole / "replay.npz").read_bytes()
    assert [e["step"] for e in events(tmp_path / "stopped")] == [10, 20]


@OVERLAP
def test_a_migrated_run_distils_from_its_old_network_and_resumes_exactly(tmp_path, monkeypatch, overlap):
    base = tmp_path / "base"
    Trainer(tiny(base, steps=20, overlap=overlap)).run()
    new = NetworkConfig(kind="mlp", blocks=1, channels=32)
    # Another network without --migrate is refused, naming the way.
    copy = tmp_path / "refused"
    shutil.copytree(base, copy)
    with pytest.raises(CheckpointError, match=r"different config \(network\).*--migrate"):
        Trainer(tiny(copy, network=new, overlap=overlap)).run()

    for name in ("whole", "stopped"):
        shutil.copytree(base, tmp_path / name)
    whole = Trainer(tiny(tmp_path / "whole", network=new, migrate=10, overlap=overlap)).run()
    recorded = [(e["event"], e["step"]) for e in events(tmp_path / "whole")]
    assert recorded == [("migration", 20), ("migration_finished", 30)]
    teacher = tmp_path / "whole" / "migrations" / "step_0000000020"
    assert load_checkpoint(teacher).network.config == SMALL
    assert load_checkpoint(whole).network.config == new

    # Ctrl-C during the distillation (it runs in one go, before self-play resumes) stops it there.
    train_step = Learner.train_step

    def interrupted(self, *args, **kwargs):
        metrics = train_step(self, *args, **kwargs)
        if self.steps == 24:
            os.kill(os.getpid(), signal.SIGINT)
        return metrics

    config = tiny(tmp_path / "stopped", network=new, migrate=10, overlap=overlap)
    with monkeypatch.context() as patch:
        patch.setattr(Learner, "train_step", interrupted)
        stopped = Trainer(config).run()
    assert stopped.name == "step_0000000024"
    resumed = Trainer(dataclasses.replace(config, migrate=0)).run()  # migrate may change once migrated
    assert resumed.name == whole.name == "step_0000000040"
    assert same_weights(resumed, whole)
    assert [(e["event"], e["step"]) for e in events(tmp_path / "stopped")] == recorded


def test_bad_growth_schedules_are_refused_by_name():
    resnet = NetworkConfig(kind="resnet", blocks=2, channels=16)
    assert parse_growth(("0.3:4x32", "0.6:6x64"), resnet) == (GrowthStage(0.3, 4, 32), GrowthStage(0.6, 6, 64))
    assert parse_growth(("0.5:2x32",), resnet) == (GrowthStage(0.5, 2, 32),)  # wider only
    bad = {
        ("0.3-4x32",): "FRACTION:BLOCKSxCHANNELS",
        ("0.3:4x32", "0.3:6x64"): "fractions must increase",
        ("0.6:4x32", "0.3:6x64"): "fractions must increase",
        ("1.0:4x32",): "fractions must increase within",
        ("0.3:1x32",): "sizes must grow",
        ("0.3:4x8",): "sizes must grow",
        ("0.3:2x16",): "sizes must grow",
    }
    for stages, message in bad.items():
        with pytest.raises(ValueError, match=message):
            parse_growth(stages, resnet)
    with pytest.raises(ValueError, match="widening supports kind"):
        parse_growth(("0.5:2x64",), NetworkConfig(kind="transformer", blocks=2, channels=32))
    with pytest.raises(ValueError, match="deepening supports"):
        parse_growth(("0.5:2x64",), NetworkConfig(kind="mlp", blocks=0, channels=32))
    with pytest.raises(ValueError, match="growth stage"):
        TrainConfig(growth=("0.5:1x8",))  # the preset's 4x32 would shrink
    with pytest.raises(ValueError, match="cannot migrate"):
        TrainConfig(growth=("0.5:8x64",), migrate=100)
    with pytest.raises(ValueError, match="migrate"):
        TrainConfig(migrate=-1)
    config = TrainConfig(growth=("0.5:8x64",))
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert "growth" not in TrainConfig().to_dict() and "migrate" not in TrainConfig().to_dict()


def test_distilling_a_run_down_reports_the_student_beside_the_teacher(tmp_path):
    # The deployment recipe: boardzoo distill GAME --teacher RUN --source replay:RUN --student.* ...
    run = tmp_path / "run"
    Trainer(tiny(run, steps=20, growth=("0.5:2x16",))).run()
    config = DistillConfig(
        out=str(tmp_path / "small"),
        game="tic_tac_toe",
        teacher=str(run),
        source=f"replay:{run}",
        student=NetworkConfig(kind="mlp", blocks=1, channels=16),
        steps=20,
        learner=LearnerConfig(batch_size=32, warmup_steps=0),
        eval_interval=0,
        eval_positions=20,
        tensorboard=False,
        progress_bar=False,
        threads=1,
    )
    distill(config)
    report = [json.loads(line) for line in (tmp_path / "small" / "metrics.jsonl").read_text().splitlines()][-1]
    assert report["kind"] == "report" and report["step"] == 20
    assert report["teacher_network"] == "resnet 2x16" and report["student_network"] == "mlp 1x16"
    for name in ("student", "teacher"):
        assert report[f"{name}_parameters"] > 0 and report[f"{name}_evaluations_per_s_b1"] > 0
        assert 0 <= report[f"{name}_accuracy"] <= 1 and 0 <= report[f"{name}_value_accuracy"] <= 1
    table = (tmp_path / "small" / "report.md").read_text()
    assert "| student | mlp 1x16 |" in table and "| teacher | resnet 2x16 |" in table
