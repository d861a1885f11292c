"""Tic-tac-toe: the 3×3 m,n,k-game, as OpenSpiel's `tic_tac_toe`.

Rules: players alternate placing a stone on an empty cell, player 0 ("x") first; three in a
row (horizontal, vertical or diagonal) wins; a full board without one is a draw.
Actions: 9, cell = row * 3 + col (row 0 at the top), as OpenSpiel.
Observation: float32[2, 3, 3], the mover's stones then the opponent's.
Rewards: +1 / -1 to winner / loser at the end, 0 for a draw.
Symmetries: the 8 of the square.

The state and kernel are those of every k-in-a-row game (`_k_in_a_row`, shared with gomoku).
"""

from __future__ import annotations

from boardzoo.envs._k_in_a_row import make_k_in_a_row_game
from boardzoo.envs.core import Game

ID = "tic_tac_toe"
SIZE = 3
WIN_LENGTH = 3


def make_game() -> Game:
    """Tic-tac-toe (no parameters)."""
    return make_k_in_a_row_game(ID, {}, size=SIZE, win_length=WIN_LENGTH)
