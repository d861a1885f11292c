"""The timed loops of `throughput.py`: random legal play in boardzoo's kernel, in an AEC env
(boardzoo's or PettingZoo's), and in OpenSpiel; each builds a `Runner` for the harness."""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from _harness import Runner, run_for

from boardzoo.envs import Game, make, reset_finished, sample_legal_actions

SEED = 0

# Benchmark game label -> (boardzoo game id, parameters).
GAMES: dict[str, tuple[str, dict[str, Any]]] = {
    "tic_tac_toe": ("tic_tac_toe", {}),
    "connect_four": ("connect_four", {}),
    "hex_7": ("hex", {"board_size": 7}),
    "hex_11": ("hex", {"board_size": 11}),
    "hex_19": ("hex", {"board_size": 19}),
    "othello": ("othello", {}),
    "gomoku_15": ("gomoku", {}),
    "breakthrough": ("breakthrough", {}),
    "go_9": ("go", {"board_size": 9}),
    "go_19": ("go", {"board_size": 19}),
}
BOARDZOO_AEC_GAMES = ("tic_tac_toe", "connect_four", "hex_11", "go_9")
# label -> (PettingZoo classic module, its kwargs)
PETTINGZOO_ENVS: dict[str, tuple[str, dict[str, Any]]] = {
    "tic_tac_toe": ("tictactoe_v3", {}),
    "connect_four": ("connect_four_v3", {}),
    "go_9": ("go_v5", {"board_size": 9}),
}
# label -> (OpenSpiel game, its parameters): same rules (Go differs only by superko, which a
# random game meets in about 1% of games; the length cap is OpenSpiel's 2·N² too).
OPENSPIEL_GAMES: dict[str, tuple[str, dict[str, Any]]] = {
    **{label: GAMES[label] for label in ("tic_tac_toe", "connect_four", "hex_7", "hex_11", "hex_19")},
    "othello": ("othello", {}),
    "gomoku_15": ("gomoku", {"size": 15, "connect": 5}),
    "breakthrough": ("breakthrough", {}),
    "go_9": ("go", {"board_size": 9}),
    "go_19": ("go", {"board_size": 19}),
}


def random_legal_from_mask(mask: np.ndarray, rand: Callable[[], float]) -> int:
    """A uniformly random legal action from an int8/bool action mask (the AEC sampler)."""
    legal = np.flatnonzero(mask)
    return int(legal[int(rand() * legal.size)])


def play_aec_game(env: Any, rand: Callable[[], float]) -> int:
    """Reset and play one game with the standard PettingZoo AEC loop; returns the moves."""
    env.reset()
    moves = 0
    for _agent in env.agent_iter():
        observation, _reward, termination, truncation, _info = env.last()
        if termination or truncation:
            action = None
        else:
            action = random_legal_from_mask(observation["action_mask"], rand)
            moves += 1
        env.step(action)
    return moves


def kernel_runner(game: Game, batch_size: int) -> Runner:
    """Batched play: sample -> step -> reset_finished; the batch carries over between calls.

    The loop owns its state, so it steps and resets finished rows in place, as the vector envs
    and self-play do (a pure `step` or `reset_finished` would copy the whole batch each time).
    """
    rng = np.random.default_rng(SEED)
    template = game.init(1)
    state = game.init(batch_size)

    def one_step() -> int:
        moved = int(np.count_nonzero(~state.done))
        actions = sample_legal_actions(state.legal_action_mask, rng)
        game.step(state, actions, in_place=True)
        reset_finished(game, state, template, in_place=True)
        return moved

    return partial(run_for, work=one_step)


def aec_runner(make_env: Callable[[], Any]) -> Runner:
    """Whole AEC games, one after another, until the time is up."""
    env = make_env()
    env.reset(seed=SEED)
    rand = random.Random(SEED).random
    return partial(run_for, work=partial(play_aec_game, env, rand))


def openspiel_runner(game_id: str, params: dict[str, Any]) -> Runner:
    """Whole OpenSpiel games with `apply_action(random legal)` until the time is up."""
    import pyspiel

    game = pyspiel.load_game(game_id, params) if params else pyspiel.load_game(game_id)
    rand = random.Random(SEED).random

    def one_game() -> int:
        state, moves = game.new_initial_state(), 0
        while not state.is_terminal():
            legal = state.legal_actions()
            state.apply_action(legal[int(rand() * len(legal))])
            moves += 1
        return moves

    return partial(run_for, work=one_game)


def boardzoo_kernel(label: str, batch_size: int) -> Runner:
    game_id, params = GAMES[label]
    return kernel_runner(make(game_id, **params), batch_size)


def boardzoo_aec(label: str) -> Runner:
    game_id, params = GAMES[label]
    module = importlib.import_module(f"boardzoo.envs.{game_id}_v0")
    return aec_runner(partial(module.env, **params))


def pettingzoo_aec(label: str) -> Runner:
    name, kwargs = PETTINGZOO_ENVS[label]
    module = importlib.import_module(f"pettingzoo.classic.{name}")
    return aec_runner(partial(module.env, **kwargs))


def openspiel(label: str) -> Runner:
    game_id, params = OPENSPIEL_GAMES[label]
    return openspiel_runner(game_id, params)
