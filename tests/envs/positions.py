"""Helpers for hand-built positions: play a move list, compare against an ASCII board."""

from __future__ import annotations

import textwrap

import numpy as np

from boardzoo.envs import Game, State, sample_legal_actions


def play(game: Game, moves: list[int]) -> State:
    """Play `moves` (one action per ply) in a batch of one and return the final state."""
    state = game.init(1)
    for move in moves:
        state = game.step(state, np.array([move]))
    return state


def board(text: str) -> str:
    """An expected `Game.render` drawing written as an indented block."""
    return textwrap.dedent(text).strip("\n")


def play_random(game: Game, batch_size: int, seed: int) -> tuple[list[State], list[np.ndarray]]:
    """Random games to their end without auto-reset: the state before each ply and the final
    one, and the actions played (-1 for rows already finished)."""
    rng = np.random.default_rng(seed)
    state, states, actions = game.init(batch_size), [], []
    while not state.done.all():
        action = sample_legal_actions(state.legal_action_mask, rng)
        states.append(state)
        actions.append(action)
        state = game.step(state, action)
    return [*states, state], actions


STONES = {".": 0, "x": 1, "o": 2}


def cells_of(text: str) -> np.ndarray:
    """int8[H, W] (0 empty, 1 + player) from a drawing in `Game.render`'s format: a line of
    column letters, then per row its label and one symbol per cell."""
    rows = [line.split()[1:] for line in board(text).splitlines()[1:]]
    return np.array([[STONES[s] for s in row] for row in rows], dtype=np.int8)
