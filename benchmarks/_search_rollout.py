"""`search.py`'s root positions and timed search loop, and its rollout UCT section: boardzoo's
batched UCT with random playouts against OpenSpiel's C++ `MCTSBot`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from _harness import Runner, Sample, run_for

from boardzoo.agents.search import Evaluator, RolloutEvaluator, SearchConfig, search
from boardzoo.envs import Game, State, make, sample_legal_actions

SEED = 0
WARMUP_SIMULATIONS = 4  # the untimed search before each measurement (JIT compile, torch warm-up)
UCT_EXPLORATION = 2.0  # OpenSpiel's uct_c in its MCTS examples
ROOT_PLIES = (0, 4, 8, 12)  # random plies to each root position (0 = the initial position)

# Benchmark game label -> (boardzoo game id, parameters); OpenSpiel uses the same names and
# action numbering for these two games (see tests/envs/test_openspiel_oracle.py).
ROLLOUT_GAMES: dict[str, tuple[str, dict[str, Any]]] = {
    "connect_four": ("connect_four", {}),
    "hex_7": ("hex", {"board_size": 7}),
}

# A search variant: (game, roots, evaluator, simulations, keys uint64[B]) -> its output.
SearchVariant = Callable[[Game, State, Evaluator, int, np.ndarray], Any]


def game_of(label: str) -> Game:
    game_id, params = ROLLOUT_GAMES[label]
    return make(game_id, **params)


def root_positions(game: Game) -> tuple[State, list[list[int]]]:
    """The positions after each of ROOT_PLIES seeded random plies (redrawn if a game ends
    early), as one batch, and the action sequences that reach them."""
    rng = np.random.default_rng(SEED)
    states, histories = [], []
    for plies in ROOT_PLIES:
        while True:
            state, history = game.init(1), []
            for _ in range(plies):
                action = sample_legal_actions(state.legal_action_mask, rng)
                state = game.step(state, action)
                history.append(int(action[0]))
                if state.done[0]:
                    break
            if not state.done[0]:
                break
        states.append(state)
        histories.append(history)
    return type(states[0]).stack(states), histories


def root_batches(positions: State, batch_size: int) -> list[State]:
    """Batches of `batch_size` roots cycling through the positions, enough to cover each once."""
    count = positions.batch_size
    rows = np.arange(max(batch_size, count)) % count
    return [positions.take(rows[start : start + batch_size]) for start in range(0, rows.size, batch_size)]


def search_runner(
    game: Game, evaluator: Evaluator, variant: SearchVariant, batch_size: int, simulations: int
) -> Runner:
    """Rounds of searches over all root positions, fresh keys for every search, after an
    untimed warm-up search; the evaluator's `forward_seconds` (if any) is the tracked part."""
    batches = root_batches(root_positions(game)[0], batch_size)
    rng = np.random.default_rng(SEED)

    def keys() -> np.ndarray:
        return rng.integers(0, 2**63, size=batch_size, dtype=np.int64).astype(np.uint64)

    variant(game, batches[0], evaluator, WARMUP_SIMULATIONS, keys())

    def one_round() -> int:
        for roots in batches:
            variant(game, roots, evaluator, simulations, keys())
        return sum(roots.batch_size for roots in batches) * simulations

    def run(seconds: float) -> Sample:
        before = getattr(evaluator, "forward_seconds", 0.0)
        sample = run_for(seconds, one_round)
        return sample._replace(part_seconds=getattr(evaluator, "forward_seconds", 0.0) - before)

    return run


def uct_search(game: Game, roots: State, evaluator: Evaluator, simulations: int, keys: np.ndarray) -> Any:
    config = SearchConfig(simulations=simulations, rule="uct", exploration=UCT_EXPLORATION)
    return search(game, roots, evaluator, config, keys)


def boardzoo_rollout(label: str, batch_size: int, simulations: int) -> Runner:
    """boardzoo's UCT, one random playout per leaf, over B roots at once."""
    game = game_of(label)
    return search_runner(game, RolloutEvaluator(game), uct_search, batch_size, simulations)


def openspiel_rollout(label: str, simulations: int) -> Runner:
    """`MCTSBot.step` on each root position in turn (uct_c = 2, one random rollout, no solver)."""
    import pyspiel

    game_id, params = ROLLOUT_GAMES[label]
    game = pyspiel.load_game(game_id, params) if params else pyspiel.load_game(game_id)
    states = []
    for history in root_positions(game_of(label))[1]:
        state = game.new_initial_state()
        for action in history:
            state.apply_action(action)
        states.append(state)
    evaluator = pyspiel.RandomRolloutEvaluator(1, SEED)  # (n_rollouts, seed)
    # (game, evaluator, uct_c, max_simulations, max_memory_mb, solve, seed, verbose)
    bot = pyspiel.MCTSBot(game, evaluator, UCT_EXPLORATION, simulations, 1000, False, SEED, False)
    bot.step(states[0])

    def one_round() -> int:
        for state in states:
            bot.step(state)
        return len(states) * simulations

    return partial(run_for, work=one_round)
