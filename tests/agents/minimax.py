"""Exhaustive tic-tac-toe minimax: the reference that search and trained agents are checked against."""

from __future__ import annotations

import functools

import numpy as np

from boardzoo.envs import State


@functools.cache
def minimax(board: tuple[int, ...], player: int) -> int:
    """Exhaustive tic-tac-toe value for `player` to move (1 win, 0 draw, -1 loss)."""
    lines = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]
    for a, b, c in lines:
        if board[a] != 0 and board[a] == board[b] == board[c]:
            return 1 if board[a] == player + 1 else -1
    empty = [i for i, v in enumerate(board) if v == 0]
    if not empty:
        return 0
    return max(-minimax((*board[:i], player + 1, *board[i + 1 :]), 1 - player) for i in empty)


def optimal_moves(board: tuple[int, ...], player: int) -> set[int]:
    values = {i: -minimax((*board[:i], player + 1, *board[i + 1 :]), 1 - player) for i, v in enumerate(board) if v == 0}
    best = max(values.values())
    return {i for i, value in values.items() if value == best}


class MinimaxPlayer:
    """Perfect tic-tac-toe play: a uniformly random minimax-optimal move in every row."""

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray:
        actions = np.full(state.batch_size, -1, np.int64)
        for row in np.flatnonzero(~state.done):
            board = tuple(int(v) for v in state.board[row].ravel())
            moves = sorted(optimal_moves(board, int(state.current_player[row])))
            actions[row] = moves[rng.integers(len(moves))]
        return actions
