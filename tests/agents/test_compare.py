"""The comparison runs end to end on a tiny budget and writes its table, JSON and plot."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal

import pytest

from boardzoo.agents.evaluation import compare as compare_module
from boardzoo.agents.evaluation.compare import (
    OVERRIDABLE,
    CompareConfig,
    _bc_config,
    claim_folder,
    expert_iteration_config,
    ppo_config,
    run_compare,
)
from boardzoo.agents.evaluation.overrides import Override, parse_override
from boardzoo.agents.training.ppo import PPOConfig
from boardzoo.agents.training.run import Stopped


def tiny_config(out, **changes) -> CompareConfig:
    """A comparison on tic-tac-toe in seconds (3 s per method, tiny ladder and round robin)."""
    settings = dict(
        game="tic_tac_toe",
        budget=0.05,
        fractions=(0.5, 1.0),
        out=str(out),
        ladder=("random", "uct:10"),
        games_per_pair=2,
        simulations=4,
        bc_expert="uct:10",
        fixed_dataset_games=8,
        bootstrap=5,
        threads=1,
        progress_bar=False,
    )
    return CompareConfig(**{**settings, **changes})


def test_compare_smoke_run_writes_a_report_and_resumes(tmp_path):
    config = tiny_config(tmp_path / "cmp")
    payload = run_compare(config)
    folder = tmp_path / "cmp"
    snapshots = sorted(p.name for p in (folder / "snapshots").iterdir())
    for method in ("expert_iteration", "ppo"):
        assert f"{method}@0.5" in snapshots and f"{method}@1" in snapshots
    assert "bc@1" in snapshots and "bc_fixed_data@1" in snapshots
    ratings = payload["ratings"]
    assert ratings["random"]["elo"] == 0 and "uct10" in ratings and "expert_iteration_network@1" in ratings
    players = len(ratings)
    assert payload["games_played"] == 2 * players * (players - 1) // 2
    assert (folder / "elo.png").stat().st_size > 1000
    assert "| uct10 |" in (folder / "report.md").read_text()
    # Snapshots saved before their method's first learner step are flagged in the report.
    untrained = any(step == 0 for step in payload["snapshots"].values())
    assert ("**Untrained snapshots:**" in (folder / "report.md").read_text()) == untrained
    # Tic-tac-toe has a solver: every player is scored against perfect play, and random play is
    # far from perfect while UCT with search is better than random.
    accuracy = payload["perfect_play"]
    assert set(accuracy) == set(ratings)
    assert 0.2 < accuracy["random"]["accuracy"] < 0.8 and accuracy["random"]["value_accuracy"] is None
    assert accuracy["uct10"]["accuracy"] > accuracy["random"]["accuracy"]
    assert accuracy["expert_iteration_network@1"]["value_accuracy"] is not None
    assert "Against perfect play" in (folder / "report.md").read_text()
    assert json.loads((folder / "report.json").read_text())["config"]["budget"] == 0.05
    # A second call trains nothing and plays no new games.
    again = run_compare(config)
    assert again["games_played"] == payload["games_played"]
    assert again["perfect_play"] == accuracy


@pytest.mark.parametrize("method", ["ppo", "bc"])
def test_a_stop_during_one_methods_training_ends_the_comparison_and_it_resumes(tmp_path, monkeypatch, method):
    # Ctrl-C during a method's training: that run checkpoints, and the comparison ends there (no
    # final snapshot of a cut run, no next method), then resumes to the same set of snapshots.
    offer = compare_module._Snapshots.__call__
    sent = []

    def stop_once(self, progress):
        if self.method == method and not sent:
            sent.append(progress.step)
            os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C
        offer(self, progress)

    monkeypatch.setattr(compare_module._Snapshots, "__call__", stop_once)
    config = tiny_config(tmp_path / "cmp", fractions=(1.0,))
    with pytest.raises(Stopped, match=f"stopped during {'BC' if method == 'bc' else method} training"):
        run_compare(config)
    folder = tmp_path / "cmp"
    snapshots = {p.name for p in (folder / "snapshots").iterdir()}
    assert "expert_iteration@1" in snapshots and f"{method}@1" not in snapshots
    assert not (folder / "bc_notes.json").exists() and not (folder / "bc_fixed_data").exists()
    assert not (folder / "report.json").exists()
    run_compare(config)
    snapshots = {p.name for p in (folder / "snapshots").iterdir()}
    assert snapshots == {"expert_iteration@1", "ppo@1", "bc@1", "bc_fixed_data@1"}


def test_a_comparison_folder_refuses_to_resume_with_settings_that_shape_its_results(tmp_path):
    claim_folder(tiny_config(tmp_path))
    claim_folder(tiny_config(tmp_path, threads=2, games_per_pair=4, ladder=("random",)))  # free to change
    with pytest.raises(ValueError, match=r"overrides: \[\] there, \['ppo:learning_rate=1e-3'\] now"):
        claim_folder(tiny_config(tmp_path, overrides=("ppo:learning_rate=1e-3",)))
    with pytest.raises(ValueError, match="simulations: 4 there, 8 now"):
        claim_folder(tiny_config(tmp_path, simulations=8))
    both = ("ppo:learning_rate=1e-3", "bc:learning_rate=1e-3")
    claim_folder(tiny_config(tmp_path / "two", overrides=both))
    claim_folder(tiny_config(tmp_path / "two", overrides=both[::-1]))  # their order is free


def test_a_folder_from_before_compare_json_is_checked_against_its_report(tmp_path):
    # An older comparison wrote report.json (its whole config) but no compare.json; a setting
    # added since is absent from that record and counts as its default.
    old = tiny_config(tmp_path)
    config = json.loads(json.dumps(dataclasses.asdict(old), default=str))
    del config["overrides"]
    (tmp_path / "report.json").write_text(json.dumps({"config": config}))
    with pytest.raises(ValueError, match="simulations: 4 there, 8 now"):
        claim_folder(tiny_config(tmp_path, simulations=8))
    assert not (tmp_path / "compare.json").exists()
    claim_folder(tiny_config(tmp_path, threads=3))
    assert json.loads((tmp_path / "compare.json").read_text())["simulations"] == 4


def test_overrides_change_only_their_methods_config(tmp_path):
    config = tiny_config(
        tmp_path,
        overrides=("ppo:learning_rate=1e-3", "expert_iteration:learner.learning_rate=4e-3", "bc:augment=false"),
    )
    assert ppo_config(config).learning_rate == 1e-3
    assert expert_iteration_config(config).learner.learning_rate == 4e-3
    assert _bc_config(config, tmp_path, 1.0).augment is False
    defaults = tiny_config(tmp_path)
    assert ppo_config(defaults).learning_rate == PPOConfig().learning_rate
    assert expert_iteration_config(config).selfplay == expert_iteration_config(defaults).selfplay
    # The comparison's own budget and seed still apply on top of the overrides.
    assert ppo_config(config).minutes == config.budget and expert_iteration_config(config).seed == config.seed


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("ppo:learning_rate", "must read METHOD:FIELD=VALUE"),
        ("sac:learning_rate=1e-3", "names method 'sac'; methods: expert_iteration, ppo, bc"),
        ("ppo:minutes=100", "minutes is set by the comparison"),
        ("ppo:learning_rat=1e-3", "PPOConfig has no field 'learning_rat'"),
        ("ppo:n_steps=1.5", "n_steps is an int, got '1.5'"),
        ("bc:augment=yes", "augment is true or false, got 'yes'"),
        ("ppo:learning_rate=nan", "learning_rate must be finite"),
        ("expert_iteration:learner=1", "learner is a group of settings"),
        ("ppo:learning_rate=-1", "learning_rate"),  # the method's own config refuses it
    ],
)
def test_a_bad_override_is_refused_naming_it(tmp_path, override, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        tiny_config(tmp_path, overrides=(override,))


def test_a_field_overridden_twice_is_refused(tmp_path):
    # Which of the two would win is not what anyone wrote down (and the folder check, which
    # compares overrides as a set, could not tell the two orders apart).
    with pytest.raises(ValueError, match=re.escape("sets learning_rate again (after ppo:learning_rate=1e-3)")):
        tiny_config(tmp_path, overrides=("ppo:learning_rate=1e-3", "ppo:learning_rate=1e-4"))


def test_parse_override_splits_method_field_and_value():
    assert parse_override("expert_iteration:learner.learning_rate=1e-3", OVERRIDABLE) == Override(
        "expert_iteration", "learner.learning_rate", "1e-3"
    )
