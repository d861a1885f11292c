"""Tic-tac-toe solved by enumerating every reachable position with the game's own kernel.

The positions are found ply by ply by stepping `Game.step` on every legal move of the previous
ply (so no rule is restated here), keyed by their board (base 3, cell by cell), then valued
backwards from the last ply: a move that ends the game is worth its reward and distance 1, any
other is worth minus its child's value and one ply more than the child's distance. The table
(5,478 positions) is built once per process in about a second and looked up with `searchsorted`.
"""

from __future__ import annotations

import functools

import numpy as np

from boardzoo.agents.solvers.base import ILLEGAL, UNKNOWN_DISTANCE, Solver, position_values
from boardzoo.envs import Game, State, make


def board_keys(game: Game, state: State) -> np.ndarray:
    """int64[B]: each board read as a base-3 number (cell i contributes cell * 3**i)."""
    cells = game.cells_fn(state).reshape(state.batch_size, -1).astype(np.int64)
    return cells @ (3 ** np.arange(cells.shape[1], dtype=np.int64))


@functools.cache
def _table(game_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # (sorted keys int64[M], values int8[M, A], distances int16[M, A], final value int8[M]) of
    # every reachable position; finished positions have all-ILLEGAL moves and their result.
    game = make(game_id)
    levels = [game.init(1)]
    children = []  # per ply: (parent row int[K], action int[K], child index in the next level int[K])
    while not levels[-1].done.all():
        level = levels[-1]
        parent, action = np.nonzero(level.legal_action_mask)
        stepped = game.step(level.take(parent), action)
        keys, first, index = np.unique(board_keys(game, stepped), return_index=True, return_inverse=True)
        children.append((parent, action, index, stepped.rewards[np.arange(parent.size), level.current_player[parent]]))
        levels.append(stepped.take(first))
    tables = []
    next_value = next_distance = None
    for ply in range(len(levels) - 1, -1, -1):
        level = levels[ply]
        count, actions = level.batch_size, game.num_actions
        values = np.full((count, actions), ILLEGAL, np.int8)
        distances = np.full((count, actions), UNKNOWN_DISTANCE, np.int16)
        if ply < len(children):
            parent, action, index, reward = children[ply]
            child_done = levels[ply + 1].done[index]
            values[parent, action] = np.where(child_done, reward, -next_value[index])
            distances[parent, action] = np.where(child_done, 1, next_distance[index] + 1)
        value, distance = position_values(values, distances)
        finished = level.done
        value[finished] = np.where(_last_mover_won(game, level)[finished], -1, 0)
        tables.append((board_keys(game, level), values, distances, value))
        next_value, next_distance = value, distance
    keys, values, distances, final = (np.concatenate(parts) for parts in zip(*tables, strict=True))
    order = np.argsort(keys)
    return keys[order], values[order], distances[order], final[order]


def _last_mover_won(game: Game, state: State) -> np.ndarray:
    # bool[B]: a finished row ended in a win (the board is not simply full). Rows reached by
    # `step` carry the rewards of the move that ended them.
    return state.rewards.any(axis=1)


class TicTacToeSolver(Solver):
    """Exact values and distances for every tic-tac-toe position (see the module docstring)."""

    game_id = "tic_tac_toe"

    def _rows(self, state: State) -> np.ndarray:
        keys, *_ = _table(self.game_id)
        wanted = board_keys(self.game, state)
        rows = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
        missing = np.flatnonzero(keys[rows] != wanted)
        if missing.size:
            raise ValueError(f"{self!r}: row {missing[0]} is not a position reachable by legal play")
        return rows

    def _solve_live(self, state: State) -> tuple[np.ndarray, np.ndarray]:
        _, values, distances, _ = _table(self.game_id)
        rows = self._rows(state)
        return values[rows], distances[rows]

    def _final_value(self, state: State) -> np.ndarray:
        return _table(self.game_id)[3][self._rows(state)]
