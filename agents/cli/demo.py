"""The demo behind `boardzoo demo`: plays and renders a random game of each registered game,
then measures kernel and AEC-env throughput on this machine."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from boardzoo.envs import Game, available_games, make, reset_finished, sample_legal_actions

DEMO_PARAMS: dict[str, dict] = {"hex": {"board_size": 11}}


@dataclass(frozen=True)
class DemoConfig:
    """Play one random game per game and print steps per second."""

    seed: int = 0
    """seed of the random players"""
    batch_size: int = 1024
    """games stepped together when measuring kernel throughput"""
    seconds: float = 1.0
    """time spent measuring each game's throughput"""


def play_one_game(game: Game, rng: np.random.Generator) -> str:
    """A random game to the end; returns its final board and result as text."""
    state = game.init(1)
    total = np.zeros(game.num_players)
    while not state.done[0]:
        state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))
        total += state.rewards[0]
    result = "draw" if total[0] == 0 else f"player_{int(np.argmax(total))} wins"
    return f"{game!r}: {result} after {int(state.step_count[0])} plies\n{game.render(state, 0)}"


def kernel_steps_per_second(game: Game, batch_size: int, seconds: float, rng: np.random.Generator) -> float:
    """Random-legal play on B games with auto-reset; moves applied per second."""
    template, state = game.init(1), game.init(batch_size)
    state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))  # compile/warm up
    moves, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        moves += int((~state.done).sum())
        state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))
        state = reset_finished(game, state, template, in_place=True)
    return moves / elapsed


def run_demo(config: DemoConfig) -> dict[str, float]:
    """Print one rendered game per game id, then a throughput table; returns steps/s by id."""
    rng = np.random.default_rng(config.seed)
    games = [make(game_id, **DEMO_PARAMS.get(game_id, {})) for game_id in available_games()]
    for game in games:
        print(play_one_game(game, rng), end="\n\n")
    rates = {}
    for game in tqdm(games, desc="measuring kernel throughput", unit="game"):
        rates[game.id] = kernel_steps_per_second(game, config.batch_size, config.seconds, rng)
    print(f"\nkernel throughput, one thread, B = {config.batch_size}, random legal moves:")
    for game in games:
        print(f"  {game!r:<52} {rates[game.id]:>14,.0f} steps/s")
    return rates
