"""Expert iteration on a Ray cluster: N self-play actors, one learner in this process.

    boardzoo train connect_four --ray local --actors 4 --threads 1    # Ray started here
    boardzoo train connect_four --ray auto --actors 64 --device cuda  # on a cluster's head node

Each actor (`SelfPlayWorker`, one CPU) runs the batched self-play of `selfplay.SelfPlay` with
its own B games, its own network copy on CPU and its own seed stream (derived from the run
seed, its index, the learner step the run started at, and how often it was restarted). The
learner is the single-process `Trainer` with one change: where it would play a move itself, it
takes the games the actors finished. Replay, learner, the positions-trained-per-position ratio
(`reuse`), checkpoints, `latest`, metrics, TensorBoard, evaluation, resume and Ctrl-C are the
single-process ones; the run folder's config.json and start record add `distributed`.

Weights: after learning, the learner puts its weights in the object store once (`ray.put`),
versioned by its step count. Each task carries the newest version; the actor loads it before
its next move if it has not yet, and tags every game it finishes with the version that played
its last move. Staleness = learner step when the game reaches the replay − that version.

Back-pressure: an actor has at most `outstanding` tasks (one ply of its B games each) submitted
and not consumed; the learner takes results with `ray.wait` and hands an actor a new task only
for one it consumed. A slow learner leaves the actors idle instead of filling the object store
(at most actors × outstanding results exist), and it trains exactly the steps `reuse` asks
for, as in one process; a fast learner waits for data.

Faults: actors are created with `max_restarts`; a task lost with its actor is dropped (with the
actor's unfinished games) and the restarted actor reseeds and starts new games. A killed run
resumes from its last checkpoint like a single-process one (the replay buffer is in it; the
actors start new games), but not bit for bit: which actor's games arrive first is up to the
cluster. See docs/ray.md for the measurements and the scaling model.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from boardzoo.agents.models import TorchEvaluator, build_network
from boardzoo.agents.training.expert_iteration.selfplay import SelfPlay
from boardzoo.agents.training.expert_iteration.train import TrainConfig, Trainer
from boardzoo.agents.training.positions import Positions
from boardzoo.agents.training.run import Callback, set_threads
from boardzoo.agents.validation import check_int
from boardzoo.envs import make

OUTSTANDING = 2
"""tasks an actor may have submitted and not yet consumed by the learner"""
MOVES_PER_TASK = 1
"""plies of an actor's B games per task (the actor loads new weights between tasks)"""
PUBLISH_INTERVAL = 1
"""learner steps between published weight versions (more: fewer pushes, staler games)"""
MAX_RESTARTS = 16
"""restarts of each actor before the run gives up on it"""
_SEED_KEY = 2  # the Trainer spawns keys 0 (self-play) and 1 (learner) from the run seed


def require_ray() -> ModuleType:
    """The `ray` module, or a one-line error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ValueError("--ray needs Ray: pip install 'boardzoo[ray]'") from None
    return ray


def connect(address: str) -> bool:
    """Join the Ray cluster at `address` ("auto", "host:port", "ray://host:port") or start one
    here ("local"), unless Ray is initialised already. Returns whether this call initialised
    Ray (the caller then calls `ray.shutdown()` when done)."""
    ray = require_ray()
    if ray.is_initialized():
        return False
    ray.init(address=address, log_to_driver=True)
    return True


def cluster_info() -> dict[str, Any]:
    """Nodes, CPUs and GPUs of the connected cluster."""
    ray = require_ray()
    resources = ray.cluster_resources()
    nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
    return {"nodes": nodes, "cluster_cpus": resources.get("CPU", 0.0), "cluster_gpus": resources.get("GPU", 0.0)}


def rss_bytes() -> int:
    """This process's resident memory (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@dataclass(frozen=True)
class ActorResult:
    """One task's output: the games an actor finished, tagged with the weights that played."""

    actor: int
    version: int
    """learner step of the weights that played the task's moves"""
    games: list[Positions]
    moves: int
    positions: int
    seconds: float
    """time the actor spent playing"""
    pid: int


class SelfPlayWorker:
    """A self-play actor (run as a Ray actor by `DistributedTrainer`): B games, a network copy on
    CPU, one torch thread, its own seed stream.

    Args:
      config: the run's config (game, network, self-play settings, seed).
      index: the actor's number (0..actors-1); part of its seed.
      start_step: the learner step the run (re)started at; part of its seed, so a resumed run
        plays new games.
    """

    def __init__(self, config: TrainConfig, index: int, start_step: int) -> None:
        set_threads(1)
        self.config, self.index, self.start_step = config, index, start_step
        self.game = make(config.game, **config.game_params)
        self.network = build_network(config.network, self.game.observation_shape, self.game.num_actions).eval()
        self.evaluator = TorchEvaluator(self.game, self.network, "cpu", precision=config.selfplay.precision)
        self.version = -1
        self.tasks = self.positions = 0
        self._start_games(0)

    def _start_games(self, incarnation: int) -> None:
        seed = np.random.SeedSequence(self.config.seed, spawn_key=(_SEED_KEY, self.index, self.start_step, incarnation))
        self.selfplay = SelfPlay(self.game, self.evaluator, self.config.selfplay, np.random.default_rng(seed))
        self.incarnation = incarnation

    def play(self, weights: list[Any], version: int, incarnation: int, moves: int) -> ActorResult:
        """Load weights `version` (the object in `weights[0]`) unless loaded, play `moves`
        plies, return the games that ended. A new `incarnation` (the learner saw this actor
        die) reseeds and restarts the games first."""
        if incarnation != self.incarnation:
            self._start_games(incarnation)
        if version != self.version:
            import ray

            arrays = ray.get(weights[0])
            self.network.load_state_dict({name: torch.from_numpy(np.array(a)) for name, a in arrays.items()})
            self.version = version
        start = time.perf_counter()
        games = [positions for _ in range(moves) for positions in self.selfplay.play_move()]
        count = sum(len(g) for g in games)
        self.tasks += 1
        self.positions += count
        return ActorResult(self.index, version, games, moves, count, time.perf_counter() - start, os.getpid())

    def pid(self) -> int:
        return os.getpid()

    def stats(self) -> dict[str, int]:
        """Tasks played and positions produced by this incarnation, its pid and memory."""
        return {"tasks": self.tasks, "positions": self.positions, "pid": os.getpid(), "rss_bytes": rss_bytes()}


@dataclass
class _Task:
    actor: int
    incarnation: int


class _ActorStats:
    """What the actors did since the last metrics line (failures and restarts: since the start)."""

    def __init__(self, actors: int) -> None:
        self.actors = actors
        self.failures = self.restarts = 0
        self._new_interval()

    def _new_interval(self) -> None:
        self.since = time.perf_counter()
        self.positions = [0] * self.actors
        self.busy = [0.0] * self.actors
        self.staleness: list[int] = []
        self.pushes = self.push_bytes = 0
        self.push_seconds = self.wait_seconds = 0.0

    def record(self, result: ActorResult, learner_step: int) -> None:
        self.positions[result.actor] += result.positions
        self.busy[result.actor] += result.seconds
        self.staleness += [learner_step - result.version] * len(result.games)

    def flush(self) -> dict[str, float]:
        """The interval's metrics (positions/s and busy share per actor, staleness in learner
        steps, weight pushes, learner wait), and a new interval."""
        wall = max(time.perf_counter() - self.since, 1e-9)
        line: dict[str, float] = {
            "positions_per_s": sum(self.positions) / wall,
            "staleness_mean": float(np.mean(self.staleness)) if self.staleness else 0.0,
            "staleness_max": float(max(self.staleness, default=0)),
            "weight_pushes": self.pushes,
            "weight_push_bytes": self.push_bytes / max(self.pushes, 1),
            "weight_push_ms": 1000 * self.push_seconds / max(self.pushes, 1),
            "learner_wait_s": self.wait_seconds,
            "failures": self.failures,
            "restarts": self.restarts,
        }
        for actor in range(self.actors):
            line[f"actor{actor}_positions_per_s"] = self.positions[actor] / wall
            line[f"actor{actor}_busy"] = self.busy[actor] / wall
        self._new_interval()
        return line


class DistributedTrainer(Trainer):
    """The expert-iteration `Trainer` fed by Ray self-play actors (see the module docstring).

    Args:
      config: the run's settings; `config.ray` names the cluster, `config.actors` the actors.
      callbacks: told the run's `Progress` after every batch of results and at the end.
      outstanding: tasks per actor submitted and not yet consumed (the back-pressure bound).
      moves_per_task: plies per task.
      publish_interval: learner steps between published weight versions.
      max_restarts: restarts of each actor before it is given up.
    """

    def __init__(
        self,
        config: TrainConfig,
        callbacks: Sequence[Callback] = (),
        *,
        outstanding: int = OUTSTANDING,
        moves_per_task: int = MOVES_PER_TASK,
        publish_interval: int = PUBLISH_INTERVAL,
        max_restarts: int = MAX_RESTARTS,
    ) -> None:
        if config.ray is None:
            raise ValueError("DistributedTrainer needs config.ray ('local', 'auto' or a cluster address)")
        check_int("outstanding", outstanding)
        check_int("moves_per_task", moves_per_task)
        check_int("publish_interval", publish_interval)
        check_int("max_restarts", max_restarts, minimum=0)
        super().__init__(config, callbacks)
        self.outstanding, self.moves_per_task, self.max_restarts = outstanding, moves_per_task, max_restarts
        self.publish_interval = publish_interval
        self.actors: list[Any] = []
        self.pending: dict[Any, _Task] = {}
        self.incarnations = [0] * config.actors
        self.consumed = [0] * config.actors
        self.retired: set[int] = set()
        self.version = -1
        self.stats = _ActorStats(config.actors)
        self._weights: Any = None
        self._cluster: dict[str, Any] = {}

    def run(self) -> Path:
        started = connect(self.config.ray)  # type: ignore[arg-type]
        try:
            self._cluster = cluster_info()
            return super().run()
        finally:
            self._stop_actors()
            if started:
                require_ray().shutdown()

    # -- actors ---------------------------------------------------------------------------
    def _start_actors(self) -> None:
        ray = require_ray()
        remote = ray.remote(num_cpus=1, max_restarts=self.max_restarts, max_task_retries=0)(SelfPlayWorker)
        self.actors = [remote.remote(self.config, i, self.learner.steps) for i in range(self.config.actors)]
        self._publish()
        for actor in range(len(self.actors)):
            for _ in range(self.outstanding):
                self._submit(actor)

    def _stop_actors(self) -> None:
        if self.actors:
            ray = require_ray()
            for actor in self.actors:
                ray.kill(actor)
        self.actors, self.pending = [], {}

    def _submit(self, actor: int) -> None:
        handle, incarnation = self.actors[actor], self.incarnations[actor]
        ref = handle.play.remote([self._weights], self.version, incarnation, self.moves_per_task)
        self.pending[ref] = _Task(actor, incarnation)

    def _publish(self) -> None:
        """Put the learner's weights in the object store as version `learner.steps`, once they are
        `publish_interval` steps newer than the last version (or none was published)."""
        if self.version >= 0 and self.learner.steps - self.version < self.publish_interval:
            return
        start = time.perf_counter()
        arrays = {name: value.detach().cpu().numpy() for name, value in self.network.state_dict().items()}
        self._weights = require_ray().put(arrays)
        self.version = self.learner.steps
        self.stats.pushes += 1
        self.stats.push_bytes += sum(a.nbytes for a in arrays.values())
        self.stats.push_seconds += time.perf_counter() - start

    # -- the learner's side ---------------------------------------------------------------
    def _selfplay_move(self) -> None:
        """Add the games of the actors' next results to the replay (instead of playing a move
        here), after publishing the weights the last learner steps made."""
        if not self.actors:
            self._start_actors()
        self._publish()
        for result in self._collect():
            for positions in result.games:
                self.replay.add_game(positions)
            self.stats.record(result, self.learner.steps)

    def _collect(self) -> list[ActorResult]:
        """Wait for at least one result (or a stop request), take every result ready, and give
        each actor a new task for each of its tasks consumed."""
        ray = require_ray()
        start = time.perf_counter()
        ready: list[Any] = []
        while not ready and not self.run_state.stop.requested:
            ready, _ = ray.wait(list(self.pending), num_returns=1, timeout=1.0)
        if ready:
            ready, _ = ray.wait(list(self.pending), num_returns=len(self.pending), timeout=0)
        self.stats.wait_seconds += time.perf_counter() - start
        results = []
        for ref in ready:
            task = self.pending.pop(ref)
            try:
                results.append(ray.get(ref))
                self.consumed[task.actor] += 1
            except ray.exceptions.RayActorError as error:
                self._lost(task, error)
            if task.actor not in self.retired:
                self._submit(task.actor)
        return results

    def _lost(self, task: _Task, error: Exception) -> None:
        """A task died with its actor: count the restart once per death, give the actor up past
        `max_restarts`."""
        if getattr(error, "actor_init_failed", False):  # a bug or a broken install: restarts would fail alike
            raise RuntimeError(f"self-play actor {task.actor} could not start: {error}") from error
        self.stats.failures += 1
        if task.incarnation != self.incarnations[task.actor]:
            return  # a second task lost in a death already counted
        self.incarnations[task.actor] += 1
        self.stats.restarts += 1
        if self.incarnations[task.actor] > self.max_restarts:
            self.retired.add(task.actor)
            if len(self.retired) == len(self.actors):
                raise RuntimeError(f"every self-play actor died more than {self.max_restarts} times") from error
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        message = f"self-play actor {task.actor} lost a task ({first_line}); its unfinished games are dropped"
        tqdm.write(message, file=sys.stderr)

    # -- records --------------------------------------------------------------------------
    def _metadata(self) -> dict[str, Any]:
        return {
            "distributed": {
                "actors": self.config.actors,
                "ray": self.config.ray,
                "outstanding": self.outstanding,
                "moves_per_task": self.moves_per_task,
                "publish_interval": self.publish_interval,
                "max_restarts": self.max_restarts,
                **self._cluster,
            }
        }

    def _log_metrics(self) -> None:
        super()._log_metrics()
        record = {"kind": "actors", "step": self.learner.steps, "elapsed_s": self.run_state.seconds}
        self.folder.log({**record, "outstanding": len(self.pending), **self.stats.flush()})
