"""The solver interface: the perfect-play value of every legal move of a batch of positions.

A `Solver` is made for one game with fixed parameters and refuses others. `solve(state)` returns
a `Solution` for B kernel states of that game: for the player to move, the value of each action
(+1 win, 0 draw, -1 loss with perfect play by both sides afterwards; `ILLEGAL` for actions that
are not legal) and, where the solver knows it, the distance to the end of the game in plies
counting the move itself (`UNKNOWN_DISTANCE` otherwise), plus the position's value and distance.

Shapes: B batch, A actions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from boardzoo.envs import Game, State, sample_legal_actions

ILLEGAL = -128
"""the value of an action that is not legal (int8 sentinel)"""
UNKNOWN_DISTANCE = -1
"""the distance of an illegal action, or of any action where the solver does not compute distances"""
WIN, DRAW, LOSS = 1, 0, -1


@dataclass(frozen=True)
class Solution:
    """Perfect-play values of B positions, from the view of each row's player to move.

    Attributes:
      values: int8[B, A], +1 / 0 / -1 = the move wins / draws / loses; `ILLEGAL` for illegal moves
        (every move of a finished row).
      distances: int16[B, A], plies from the position to the end of the game after the move with
        perfect play (the winner wins as fast as it can, the loser loses as slowly as it can; a
        move that ends the game is 1); `UNKNOWN_DISTANCE` for illegal moves and where unknown.
      value: int8[B], the position's value, the best move value (a finished row: its result for
        the player who would move next, read from the board).
      distance: int16[B], the distance of the position under perfect play (0 for finished rows).
    """

    values: np.ndarray
    distances: np.ndarray
    value: np.ndarray
    distance: np.ndarray

    @property
    def legal(self) -> np.ndarray:
        """bool[B, A]: the moves that were solved (the legal ones)."""
        return self.values != ILLEGAL

    def optimal(self) -> np.ndarray:
        """bool[B, A]: the moves that keep the position's value (win, draw or loss)."""
        return self.legal & (self.values == self.value[:, None])

    def best(self) -> np.ndarray:
        """bool[B, A]: the optimal moves that also win fastest / lose slowest where distances are
        known (in drawn positions, and where they are unknown, every optimal move)."""
        optimal = self.optimal()
        decisive = (self.value != DRAW) & (self.distance >= 0)
        return np.where(decisive[:, None], optimal & (self.distances == self.distance[:, None]), optimal)


class Solver(ABC):
    """Perfect play for one game with fixed parameters (see the module docstring).

    Subclasses set `game_id`, check their parameters in `__init__` (raising `ValueError` that
    names what they support), and implement `_solve_live` and `_final_value`.
    """

    game_id: ClassVar[str]
    has_distances: ClassVar[bool] = True
    """whether `Solution.distances` are filled in"""

    def __init__(self, game: Game) -> None:
        if not isinstance(game, Game) or game.id != self.game_id:
            raise ValueError(f"{type(self).__name__} solves {self.game_id}, not {game!r}")
        self.game = game

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.game!r})"

    def solve(self, state: State) -> Solution:
        """Solve B positions of this solver's game.

        Args:
          state: B kernel states of `self.game` (finished rows allowed).

        Returns:
          The `Solution` (values int8[B, A], distances int16[B, A], value int8[B], distance int16[B]).

        Raises:
          ValueError: the state is not one of this game and parameters.
        """
        self._check_state(state)
        batch, actions = state.legal_action_mask.shape
        values = np.full((batch, actions), ILLEGAL, np.int8)
        distances = np.full((batch, actions), UNKNOWN_DISTANCE, np.int16)
        done = state.done
        live = np.flatnonzero(~done)
        if live.size:
            live_values, live_distances = self._solve_live(state.take(live))
            values[live] = np.where(state.legal_action_mask[live], live_values, ILLEGAL)
            distances[live] = np.where(state.legal_action_mask[live], live_distances, UNKNOWN_DISTANCE)
        value, distance = position_values(values, distances)
        finished = np.flatnonzero(done)
        if finished.size:
            value[finished] = self._final_value(state.take(finished))
            distance[finished] = 0
        return Solution(values, distances, value, distance)

    def sample_best(self, state: State, rng: np.random.Generator) -> np.ndarray:
        """One uniformly random move among each row's `Solution.best()` moves: int64[B], -1 for
        finished rows. Solvers that can find one best move without solving every move override
        this (same distribution, less work); this default solves every move."""
        return sample_legal_actions(self.solve(state).best(), rng)

    @abstractmethod
    def _solve_live(self, state: State) -> tuple[np.ndarray, np.ndarray]:
        """Values int8[K, A] and distances int16[K, A] of K unfinished positions (entries of
        illegal actions are ignored)."""

    @abstractmethod
    def _final_value(self, state: State) -> np.ndarray:
        """int8[K]: the result of K finished games for the player who would move next."""

    def _check_state(self, state: State) -> None:
        mask = getattr(state, "legal_action_mask", None)
        expected = self.game.init(1)
        if type(state) is not type(expected) or mask is None or mask.shape[1:] != expected.legal_action_mask.shape[1:]:
            raise ValueError(f"{self!r} was given a state of another game or size ({type(state).__name__})")
        for name, array in expected._arrays().items():
            if getattr(state, name).shape[1:] != array.shape[1:]:
                raise ValueError(f"{self!r} was given a state whose {name} has shape {getattr(state, name).shape}")


def position_values(values: np.ndarray, distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The value int8[B] and distance int16[B] of positions from their move values int8[B, A] and
    distances int16[B, A]: the best value; among its moves the shortest win, or the longest draw
    or loss (unknown if any of them is). Rows without a legal move get value 0 and distance 0."""
    legal = values != ILLEGAL
    value = np.where(legal, values, -2).max(axis=1)
    best = legal & (values == value[:, None])
    shortest = np.where(best, distances, np.iinfo(np.int16).max).min(axis=1)
    longest = np.where(best, distances, UNKNOWN_DISTANCE).max(axis=1)
    distance = np.where(value == WIN, shortest, longest)
    distance[(best & (distances < 0)).any(axis=1)] = UNKNOWN_DISTANCE
    none = ~legal.any(axis=1)
    value[none] = 0
    distance[none] = 0
    return value.astype(np.int8), distance.astype(np.int16)
