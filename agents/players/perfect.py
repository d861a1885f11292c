"""`PerfectPlayer`: perfect play from a solver, optionally with a share of random moves.

`perfect` plays a uniformly random move among the best ones (the moves that keep the game's
value; among them the fastest win or the slowest loss where the solver knows distances);
`perfect:EPS` plays a uniformly random legal move with probability EPS instead, so a ladder
of EPS values spans perfect to random play.
"""

from __future__ import annotations

import numpy as np

from boardzoo.agents.solvers import Solver, solver_for
from boardzoo.envs import Game, State, sample_legal_actions


class PerfectPlayer:
    """Plays the solver's best moves, or a random legal move with probability `epsilon`.

    Args:
      game: the game it plays (must have a solver: `boardzoo.agents.solvers.solver_for`).
      epsilon: probability of a uniformly random legal move in each position, in [0, 1].
      solver: the solver to use (default: `solver_for(game)`); players can share one.
    """

    def __init__(self, game: Game, epsilon: float = 0.0, solver: Solver | None = None) -> None:
        if isinstance(epsilon, bool) or not isinstance(epsilon, int | float) or not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"epsilon must be a number in [0, 1], got {epsilon!r}")
        self.game = game
        self.epsilon = float(epsilon)
        self.solver = solver if solver is not None else solver_for(game)
        if self.solver.game.id != game.id or dict(self.solver.game.params) != dict(game.params):
            raise ValueError(f"the solver is for {self.solver.game!r}, not {game!r}")

    def __repr__(self) -> str:
        return f"PerfectPlayer({self.game!r}, epsilon={self.epsilon})"

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray:
        """One action per row (int64[B]; -1 for finished rows)."""
        explore = rng.random(state.batch_size) < self.epsilon
        actions = sample_legal_actions(state.legal_action_mask, rng)
        solve = np.flatnonzero(~explore & ~state.done)
        if solve.size:
            actions[solve] = self.solver.sample_best(state.take(solve), rng)
        return actions
