"""Gomoku (freestyle) on an N×N board, as OpenSpiel's `gomoku` (`size` = N, `connect` = k).

Rules: players alternate placing a stone on an empty cell, player 0 ("x", black) first;
`win_length` (k, default 5) OR MORE stones in a row (horizontal, vertical or diagonal) win:
freestyle, so overlines win too, as in OpenSpiel (no renju restrictions, no swap opening);
a full board without such a line is a draw. `board_size` N is 5..19 (default 15) and
`win_length` 3..N (the lines must fit on the board).
Actions: N*N, cell = row * N + col (row 0 at the top, drawn as row "1"), as OpenSpiel;
named "<column letter><row number>", e.g. the centre of 15×15 is 112 = "h8".
Observation: float32[2, N, N], the mover's stones then the opponent's.
Rewards: +1 / -1 to winner / loser at the end, 0 for a draw.
Symmetries: the 8 of the square.

The rules are those of tic-tac-toe on a larger board: the state, the kernel (win check along
the four lines through the new stone) and the observation are shared with it (`_k_in_a_row`).
Difference from OpenSpiel: its `dims`, `wrap` and `anti` generalisations are not offered (they
stay at OpenSpiel's defaults 2 / False / False), and its observation is not reproduced.
"""

from __future__ import annotations

from boardzoo.envs._k_in_a_row import make_k_in_a_row_game
from boardzoo.envs.core import Game, check_int_param

ID = "gomoku"
MIN_SIZE, MAX_SIZE = 5, 19
MIN_WIN_LENGTH = 3


def make_game(*, board_size: int = 15, win_length: int = 5) -> Game:
    """Freestyle gomoku on a `board_size` × `board_size` board (5..19), `win_length` (3..board_size) to win."""
    size = check_int_param(ID, "board_size", board_size, MIN_SIZE, MAX_SIZE)
    win_length = check_int_param(ID, "win_length", win_length, MIN_WIN_LENGTH, size)
    params = {"board_size": size, "win_length": win_length}
    return make_k_in_a_row_game(ID, params, size=size, win_length=win_length)
