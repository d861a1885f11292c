"""Perft: the number of leaves of the legal-move tree to a given depth, where a finished game
is a leaf wherever it ends (counted, not expanded) and a pass is a move like any other. Ours
expands whole tree levels as one batch; OpenSpiel's recurses."""

from __future__ import annotations

import numpy as np

from boardzoo.envs import Game, State


def perft(game: Game, depth: int, state: State | None = None) -> int:
    """Leaves `depth` plies below `state` (all its rows; default: the start position)."""
    state = game.init(1) if state is None else state
    leaves = 0
    for level in range(depth):
        done = state.done
        leaves += int(done.sum())
        if done.all():
            return leaves
        state = state.take(~done)
        if level == depth - 1:  # count the last level instead of building it
            return leaves + int(state.legal_action_mask.sum())
        rows, actions = np.nonzero(state.legal_action_mask)  # row-major: each row's actions together
        state = game.step(state.take(rows), actions)
    return leaves + state.batch_size


def spiel_perft(state, depth: int) -> int:
    """The same count on a pyspiel state, by recursion."""
    if depth == 0 or state.is_terminal():
        return 1
    if depth == 1:
        return len(state.legal_actions())
    return sum(spiel_perft(state.child(action), depth - 1) for action in state.legal_actions())
