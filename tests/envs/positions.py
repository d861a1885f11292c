"""Helpers for hand-built positions: play a move list, compare against an ASCII board."""

from __future__ import annotations

import textwrap

import numpy as np

from boardzoo.envs import Game, State


def play(game: Game, moves: list[int]) -> State:
    """Play `moves` (one action per ply) in a batch of one and return the final state."""
    state = game.init(1)
    for move in moves:
        state = game.step(state, np.array([move]))
    return state


def board(text: str) -> str:
    """An expected `Game.render` drawing written as an indented block."""
    return textwrap.dedent(text).strip("\n")
