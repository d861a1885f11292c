"""Perft: the number of leaves of the legal-move tree to a given depth, where a finished game
is a leaf wherever it ends. Ours expands whole tree levels as one batch; OpenSpiel's recurses."""

from __future__ import annotations

import numpy as np

from boardzoo.envs import Game


def perft(game: Game, depth: int) -> int:
    """Leaves at `depth` plies from the start; the last level is counted, not built."""
    state, leaves = game.init(1), 0
    for _ in range(depth - 1):
        leaves += int(state.done.sum())
        live = state.take(~state.done)
        rows, actions = np.nonzero(live.legal_action_mask)
        state = game.step(live.take(rows), actions)
    return leaves + int(state.done.sum()) + int(state.legal_action_mask.sum())


def spiel_perft(state, depth: int) -> int:
    """The same count on a pyspiel state, by recursion."""
    if state.is_terminal() or depth == 0:
        return 1
    if depth == 1:
        return len(state.legal_actions())
    total = 0
    for action in state.legal_actions():
        child = state.clone()
        child.apply_action(action)
        total += spiel_perft(child, depth - 1)
    return total
