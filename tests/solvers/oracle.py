"""Plain exhaustive minimax over the game kernel: the reference the solvers are checked against.

No pruning beyond memoisation by board, no encoding of its own: every child comes from
`Game.step`, every end and result from the kernel's `terminated` and `rewards`. Values are for
the player to move (+1 / 0 / -1); distances are plies to the end with perfect play (fastest win,
slowest loss), a move that ends the game counting 1.
"""

from __future__ import annotations

import numpy as np

from boardzoo.envs import Game, State


class Minimax:
    """Memoised exhaustive minimax for one game (positions keyed by their board)."""

    def __init__(self, game: Game) -> None:
        self.game = game
        self.memo: dict[bytes, tuple[int, int]] = {}

    def move_values(self, state: State) -> dict[int, tuple[int, int]]:
        """{action: (value, distance)} of every legal move of the 1-row `state`."""
        moves = np.flatnonzero(state.legal_action_mask[0])
        children = self.game.step(state.take(np.zeros(len(moves), np.int64)), moves)
        mover = int(state.current_player[0])
        out = {}
        for i, action in enumerate(moves):
            if children.terminated[i]:
                out[int(action)] = (int(children.rewards[i, mover]), 1)
            else:
                value, distance = self.position(children.take(np.array([i])))
                out[int(action)] = (-value, distance + 1)
        return out

    def position(self, state: State) -> tuple[int, int]:
        """(value, distance) of the unfinished 1-row `state`."""
        key = self.game.cells_fn(state).tobytes()
        if key not in self.memo:
            results = self.move_values(state).values()
            value = max(v for v, _ in results)
            distances = [d for v, d in results if v == value]
            self.memo[key] = (value, min(distances) if value == 1 else max(distances))
        return self.memo[key]


def random_positions(game: Game, count: int, plies: tuple[int, int], rng: np.random.Generator) -> State:
    """`count` unfinished positions after a random number of random moves in [low, high]."""
    found: list[State] = []
    while len(found) < count:
        state = game.init(1)
        for _ in range(int(rng.integers(plies[0], plies[1] + 1))):
            state = game.step(state, np.array([rng.choice(np.flatnonzero(state.legal_action_mask[0]))]))
            if state.done[0]:
                break
        if not state.done[0]:
            found.append(state)
    return type(found[0]).stack(found)
