"""Self-play: B games at once, each move chosen by the batched search, finished games turned
into training positions.

Playout cap randomization (KataGo): each move of the batch is a full search with probability
`full_search_fraction`, recorded as a training position, or else a cheap search that only
moves the game on. The draw is made once per batch move (all B games share it), which keeps one
search call per move; over a game each move is full with the same probability as in KataGo.
PUCT adds Dirichlet noise to full searches and samples the first `temperature_moves` plies of
each game from the visit counts (then plays the most visited move); Gumbel plays the
search's action (its Gumbel noise is the exploration) and records the improved policy.
Shapes: B games, A actions, C/H/W planes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from boardzoo.agents.models.evaluator import PRECISIONS
from boardzoo.agents.search import (
    Evaluator,
    GumbelConfig,
    Reuse,
    SearchConfig,
    next_root_nodes,
    run_search,
    sample_from_policy,
    search,
)
from boardzoo.agents.training.positions import Positions
from boardzoo.agents.training.targets import outcome_targets
from boardzoo.agents.validation import check_bools, check_choice, check_ints, check_numbers
from boardzoo.envs import Game, State, reset_finished, sample_legal_actions

ALGORITHMS = ("gumbel", "puct")


@dataclass(frozen=True)
class SelfPlayConfig:
    """How self-play games are generated."""

    batch_size: int = 128
    """games played at once (one evaluator call per simulation covers all of them)"""
    algorithm: str = "gumbel"
    """"gumbel" (improved-policy targets) or "puct" (visit-count targets)"""
    simulations: int = 32
    """simulations of a full search (recorded as a training position)"""
    cheap_simulations: int = 8
    """simulations of a cheap search (not recorded)"""
    full_search_fraction: float = 0.25
    """probability that a move gets a full search (1 = no playout cap randomization)"""
    max_considered_actions: int = 16
    """Gumbel: root actions sampled by Gumbel-top-k"""
    exploration: float = 1.25
    """PUCT: c_puct"""
    dirichlet_alpha: float = 0.3
    """PUCT: root noise concentration (full searches only)"""
    dirichlet_fraction: float = 0.25
    """PUCT: share of the root prior replaced by noise (full searches only)"""
    temperature_moves: int = 8
    """PUCT: plies of each game sampled from visit counts (T = 1) before playing greedily"""
    precision: str = "float32"
    """arithmetic of the network in self-play: "float32", "bfloat16" (autocast; about 1.8x the
    positions/s on CPUs with native bf16 at batch 256; the learner always trains in float32) or
    "auto" (bfloat16 where the device does it natively, else float32; the run's start record
    says which)"""
    reuse_tree: bool = False
    """PUCT: start each move's search from the subtree below the move played (noise re-applied
    at the new root); the tree is dropped at every checkpoint, so resumes stay exact"""
    random_opening_moves: int = 0
    """each game opens with k uniformly random moves, k drawn uniformly from 0..this per game
    (0 = off), played without search and not recorded: the network then also sees the odd
    positions that random moves lead to, which its own near-optimal games never reach (a game
    that a random opening ends starts again without one)"""

    def __post_init__(self) -> None:
        check_choice(self, "algorithm", ALGORITHMS)
        check_choice(self, "precision", PRECISIONS)
        check_bools(self, ("reuse_tree",))
        if self.reuse_tree and self.algorithm != "puct":
            raise ValueError("reuse_tree needs algorithm 'puct' (Gumbel search starts from an unvisited root)")
        check_ints(self, ("batch_size", "simulations", "cheap_simulations", "max_considered_actions"))
        check_ints(self, ("temperature_moves", "random_opening_moves"), minimum=0)
        check_numbers(self, ("full_search_fraction",), low=0, high=1, low_open=True)
        check_numbers(self, ("dirichlet_fraction",), low=0, high=1)
        check_numbers(self, ("exploration",), low=0)
        check_numbers(self, ("dirichlet_alpha",), low=0, low_open=True)

    def search_config(self, full: bool) -> SearchConfig | GumbelConfig:
        simulations = self.simulations if full else self.cheap_simulations
        if self.algorithm == "gumbel":
            return GumbelConfig(simulations=simulations, max_considered_actions=self.max_considered_actions)
        return SearchConfig(
            simulations=simulations,
            rule="puct",
            exploration=self.exploration,
            dirichlet_alpha=self.dirichlet_alpha,
            dirichlet_fraction=self.dirichlet_fraction if full else 0.0,
        )


@dataclass
class _Pending:
    """Full-search positions of one game in progress, in play order."""

    observation: list[np.ndarray]
    legal: list[np.ndarray]
    policy: list[np.ndarray]
    q: list[float]
    player: list[int]


class SelfPlay:
    """Keeps B games going; `play_move()` advances all of them one ply.

    Args:
      game: the game to play.
      evaluator: the leaf evaluator (the current network through `TorchEvaluator`).
      config: self-play parameters.
      rng: the source of every random choice (search keys, full/cheap draws, move sampling).
    """

    def __init__(self, game: Game, evaluator: Evaluator, config: SelfPlayConfig, rng: np.random.Generator) -> None:
        self.game = game
        self.evaluator = evaluator
        self.config = config
        self.rng = rng
        self.template = game.init(1)
        self.state: State = game.init(config.batch_size)
        self.pending = [_empty_pending() for _ in range(config.batch_size)]
        self.moves = 0
        self.full_moves = 0
        self.search_seconds = 0.0
        self._reuse: Reuse | None = None
        self._open(np.arange(config.batch_size))

    def forget_tree(self) -> None:
        """Drop the tree kept for reuse (at checkpoints: a resumed run has none either)."""
        self._reuse = None

    def play_move(self) -> list[Positions]:
        """Search every game, record full-search positions, play, and return the games that ended
        (as training positions with z filled in); finished games restart."""
        full = bool(self.rng.random() < self.config.full_search_fraction)
        state = self.state
        keys = self.rng.integers(0, 2**63, size=state.batch_size, dtype=np.int64).astype(np.uint64)
        start = time.perf_counter()
        config = self.config.search_config(full)
        if self._reuse is not None and isinstance(config, SearchConfig):
            output = search(self.game, state, self.evaluator, config, keys, reuse=self._reuse)
        else:
            output = run_search(self.game, state, self.evaluator, config, keys)
        actions = output.action if self.config.algorithm == "gumbel" else self._puct_actions(state, output.visits)
        self.search_seconds += time.perf_counter() - start
        if full:
            self._record(state, output.policy, output.root_value)
            self.full_moves += 1
        self.moves += 1
        self.game.step(state, actions, in_place=True)  # self-play owns its games
        if self.config.reuse_tree:
            nodes = np.where(state.done, -1, next_root_nodes(output, actions))
            self._reuse = Reuse(output, np.arange(state.batch_size), nodes.astype(np.int32))
        finished = self._finish_games(state)
        restarted = np.flatnonzero(state.done)
        reset_finished(self.game, state, self.template, in_place=True)
        self._open(restarted)
        return finished

    def _open(self, rows: np.ndarray) -> None:
        # Play the random openings of the new games in `rows` (`random_opening_moves`), in place.
        # Only called when no game is finished.
        limit = self.config.random_opening_moves
        if limit == 0 or rows.size == 0:
            return
        state = self.state
        plies = np.zeros(state.batch_size, np.int64)
        plies[rows] = self.rng.integers(0, limit + 1, size=rows.size)
        for ply in range(limit):
            moving = (plies > ply) & ~state.done
            if not moving.any():
                break
            actions = sample_legal_actions(state.legal_action_mask, self.rng)
            self.game.step(state, actions, where=moving, in_place=True)
        reset_finished(self.game, state, self.template, in_place=True)  # openings that ended a game

    def _puct_actions(self, state: State, visits: np.ndarray) -> np.ndarray:
        # Self-play rows are never finished (they restart at once), so every row has visits.
        early = state.step_count < self.config.temperature_moves
        return np.where(early, sample_from_policy(visits, self.rng), visits.argmax(axis=1)).astype(np.int64)

    def _record(self, state: State, policy: np.ndarray, root_value: np.ndarray) -> None:
        observation = self.game.observe(state)
        for row in range(state.batch_size):
            pending = self.pending[row]
            pending.observation.append(observation[row])
            pending.legal.append(state.legal_action_mask[row].copy())
            pending.policy.append(policy[row])
            pending.q.append(float(root_value[row]))
            pending.player.append(int(state.current_player[row]))

    def _finish_games(self, state: State) -> list[Positions]:
        finished = []
        for row in np.flatnonzero(state.done):
            pending = self.pending[row]
            if pending.q:
                returns = state.rewards[row]  # the last transition's rewards are the game's result
                z = outcome_targets(np.asarray(pending.player), returns)
                finished.append(
                    Positions(
                        np.stack(pending.observation),
                        np.stack(pending.legal),
                        np.stack(pending.policy),
                        z,
                        np.asarray(pending.q, np.float32),
                    )
                )
            self.pending[row] = _empty_pending()
        return finished

    def state_arrays(self) -> dict[str, np.ndarray]:
        """The live games and their recorded positions, for exact resume."""
        arrays = {f"state.{name}": value for name, value in self.state.__dict__.items()}
        rows = [np.full(len(p.q), row) for row, p in enumerate(self.pending)]
        arrays["pending.row"] = np.concatenate(rows).astype(np.int64) if rows else np.zeros(0, np.int64)
        for name in ("observation", "legal", "policy", "q", "player"):
            items = [np.asarray(x) for p in self.pending for x in getattr(p, name)]
            arrays[f"pending.{name}"] = np.stack(items) if items else np.zeros((0,))
        arrays["counters"] = np.array([self.moves, self.full_moves], np.int64)
        return arrays

    def load_state_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore what `state_arrays` returned."""
        for name, value in self.state.__dict__.items():
            saved = arrays[f"state.{name}"]
            if saved.shape != value.shape or saved.dtype != value.dtype:
                raise ValueError(
                    f"saved self-play state field {name} is {saved.dtype}{saved.shape}, "
                    f"expected {value.dtype}{value.shape} (batch_size or game differs?)"
                )
            value[...] = saved
        self.pending = [_empty_pending() for _ in range(self.config.batch_size)]
        for i, row in enumerate(arrays["pending.row"]):
            pending = self.pending[int(row)]
            pending.observation.append(arrays["pending.observation"][i])
            pending.legal.append(arrays["pending.legal"][i])
            pending.policy.append(arrays["pending.policy"][i])
            pending.q.append(float(arrays["pending.q"][i]))
            pending.player.append(int(arrays["pending.player"][i]))
        self.moves, self.full_moves = (int(x) for x in arrays["counters"])


def _empty_pending() -> _Pending:
    return _Pending([], [], [], [], [])
