"""Expert iteration and the arena on Ray (skipped without the `ray` extra): a 2-actor run
learns and resumes, a killed actor is replaced, a slow learner keeps the actors' queue bounded,
and the arena over Ray logs the same games as a local one."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")
# One worker runs every Ray test (`pytest -n 2 --dist loadgroup`), so one local Ray instance
# serves them all instead of one per xdist worker on the same two cores.
pytestmark = pytest.mark.xdist_group("ray")

from boardzoo.agents.cli.app import parse_args  # noqa: E402
from boardzoo.agents.evaluation.arena import ArenaConfig, run_arena  # noqa: E402
from boardzoo.agents.models.checkpoint import read_config  # noqa: E402
from boardzoo.agents.players import RandomPlayer  # noqa: E402
from boardzoo.agents.players.loading import load_player  # noqa: E402
from boardzoo.agents.players.match import play_match  # noqa: E402
from boardzoo.agents.training.distributed import DistributedTrainer  # noqa: E402
from boardzoo.agents.training.expert_iteration.train import train  # noqa: E402
from boardzoo.envs import make  # noqa: E402

from .test_train import TINY  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def ray_cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def ray_config(out: Path, steps: int, *extra: str):
    return parse_args(
        ["train", "tic_tac_toe", "--out", str(out), "--steps", str(steps), *TINY, "--ray", "local", *extra]
    )


def records(out: Path, kind: str) -> list[dict]:
    lines = (out / "metrics.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r["kind"] == kind]


def test_two_actors_learn_tic_tac_toe_and_the_run_resumes(tmp_path):
    out = tmp_path / "run"
    path = train(ray_config(out, 800, "--actors", "2"))
    game = make("tic_tac_toe")
    network = load_player(path, game, simulations=0)
    result = play_match(game, network, RandomPlayer(), 200, np.random.default_rng(0))
    # An untrained network alone scores 0.45-0.6 against random; 800 steps give 0.8-0.9.
    assert result.score >= 0.72, (result.wins, result.draws, result.losses)
    start, actors = records(out, "start")[0], records(out, "actors")
    assert start["distributed"]["actors"] == 2 and start["distributed"]["cluster_cpus"] == 2
    assert read_config(path)["distributed"]["actors"] == 2
    assert all(r["staleness_mean"] >= 0 and r["failures"] == 0 for r in actors)
    assert sum(r["weight_pushes"] for r in actors) > 0 and actors[-1]["weight_push_bytes"] > 0
    assert {"actor0_positions_per_s", "actor1_positions_per_s"} <= set(actors[-1])

    resumed = train(ray_config(out, 850, "--actors", "1"))  # the actor count may change on resume
    assert resumed.name == "step_0000000850"
    assert [r["resumed"] for r in records(out, "start")] == [False, True]


def test_an_actor_killed_mid_run_is_replaced_and_the_run_finishes(tmp_path):
    seen: dict[str, int] = {}

    def kill_actor_0_once(progress):
        if "pid" not in seen and progress.step >= 20:
            seen["pid"] = ray.get(trainer.actors[0].pid.remote())
            seen["consumed"] = trainer.consumed[0]
            os.kill(seen["pid"], signal.SIGKILL)

    trainer = DistributedTrainer(ray_config(tmp_path / "run", 150, "--actors", "2"), [kill_actor_0_once])
    path = trainer.run()
    assert path.name == "step_0000000150" and "pid" in seen
    assert trainer.stats.restarts >= 1 and trainer.incarnations[0] >= 1
    assert trainer.consumed[0] > seen["consumed"], "the restarted actor delivered no games"
    assert records(tmp_path / "run", "actors")[-1]["restarts"] >= 1


def test_a_slow_learner_bounds_the_results_waiting_for_it(tmp_path):
    outstanding, checks, checked_at = 2, [], set()

    def check_queue(progress):
        assert len(trainer.pending) <= 2 * outstanding
        if len(checks) < 3 and progress.step >= 5 and progress.step not in checked_at:
            checked_at.add(progress.step)
            done = [ray.get(actor.stats.remote())["tasks"] for actor in trainer.actors]  # after their queue
            checks.append([d - c for d, c in zip(done, trainer.consumed, strict=True)])

    config = ray_config(tmp_path / "run", 40, "--actors", "2", "--reuse", "8")
    trainer = DistributedTrainer(config, [check_queue], outstanding=outstanding)
    train_step = trainer.learner.train_step

    def slow_train_step(*args, **kwargs):
        time.sleep(0.05)
        return train_step(*args, **kwargs)

    trainer.learner.train_step = slow_train_step
    trainer.run()
    # How many progress ticks land past step 5 depends on timing (a loaded CI machine gives fewer).
    assert 1 <= len(checks) <= 3, checks
    # Tasks played and not yet consumed by the learner never exceed `outstanding` per actor.
    assert all(0 <= waiting <= outstanding for check in checks for waiting in check), checks
    assert any(waiting == outstanding for check in checks for waiting in check), "the learner never held actors back"
    # And the learner trained the positions `reuse` asks for, no fewer: steps x batch ~ reuse x positions.
    positions, batch = trainer.replay.positions_added, config.learner.batch_size
    assert trainer.learner.steps >= min(40, int(config.reuse * positions / batch)) - 1


def test_the_arena_over_ray_logs_the_same_games_as_locally(tmp_path, capsys):
    players = ("random", "uct:8", "perfect:0.5")
    config = ArenaConfig(game="tic_tac_toe", players=players, games=6, log=str(tmp_path / "local.jsonl"), seed=3)
    local = run_arena(config)
    distributed = run_arena(ArenaConfig(**{**config.__dict__, "log": str(tmp_path / "ray.jsonl"), "ray": "local"}))
    assert (tmp_path / "local.jsonl").read_text() == (tmp_path / "ray.jsonl").read_text()
    assert local.markdown() == distributed.markdown()
