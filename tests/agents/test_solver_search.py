"""MCTS-solver: proven values propagate up the tree, agree with exhaustive minimax wherever they
exist, and forced wins are found and taken at any depth the tree proves."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.agents.search import GumbelConfig, SearchConfig, Tree, run_search, uniform_evaluator
from boardzoo.envs import State, make, sample_legal_actions
from tests.agents.minimax import minimax

UNPROVEN = Tree.UNPROVEN


def random_positions(count: int, seed: int) -> State:
    # Tic-tac-toe positions after 0..6 random plies (unfinished), as one batch.
    game = make("tic_tac_toe")
    rng = np.random.default_rng(seed)
    rows = []
    while len(rows) < count:
        state = game.init(1)
        for _ in range(int(rng.integers(0, 7))):
            state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))
            if state.done[0]:
                break
        if not state.done[0]:
            rows.append(state)
    batch = game.init(count)
    for i, row in enumerate(rows):
        batch.replace_rows(np.arange(count) == i, row, in_place=True)
    return batch


def action_values(state: State, row: int) -> dict[int, int]:
    board = tuple(int(v) for v in state.board[row].ravel())
    player = int(state.current_player[row])
    return {a: -minimax((*board[:a], player + 1, *board[a + 1 :]), 1 - player) for a in range(9) if board[a] == 0}


@pytest.mark.parametrize(
    "config", [SearchConfig(simulations=300, solver=True), GumbelConfig(simulations=64, solver=True)]
)
def test_every_proof_agrees_with_minimax_and_proven_wins_are_taken(config):
    game = make("tic_tac_toe")
    state = random_positions(120, seed=3)
    out = run_search(game, state, uniform_evaluator(game), config, np.arange(120, dtype=np.uint64))
    proven_wins = 0
    for row in range(120):
        values = action_values(state, row)
        for action, value in values.items():
            if out.proofs[row, action] != UNPROVEN:
                assert out.proofs[row, action] == value, (row, action, game.render(state.take(np.array([row]))))
        if (out.proofs[row] == 1).any():
            proven_wins += 1
            assert values[int(out.action[row])] == 1
    assert proven_wins >= 20, proven_wins  # the test saw forced wins, not only unproven positions


def test_a_forced_win_three_plies_deep_is_proven_and_played():
    # x: c1, d1 on the bottom; playing b1 or e1 makes an open three that o cannot block twice.
    game = make("connect_four")
    state = game.init(1)
    for move in (2, 2, 3, 3):  # x c, o c (on top), x d, o d (on top)
        state = game.step(state, np.array([move]))
    out = run_search(
        game, state, uniform_evaluator(game), SearchConfig(simulations=2000, solver=True), np.zeros(1, np.uint64)
    )
    assert out.proofs[0, 1] == 1 or out.proofs[0, 4] == 1, out.proofs
    assert int(out.action[0]) in {1, 4} and out.proofs[0, int(out.action[0])] == 1
    without = run_search(game, state, uniform_evaluator(game), SearchConfig(simulations=2000), np.zeros(1, np.uint64))
    assert without.proofs is None


def test_a_proven_loss_is_avoided_when_another_move_exists():
    # o to move must block x's three in column d; every other move loses at once.
    game = make("connect_four")
    state = game.init(1)
    for move in (3, 0, 3, 0, 3):
        state = game.step(state, np.array([move]))
    out = run_search(
        game, state, uniform_evaluator(game), SearchConfig(simulations=200, solver=True), np.zeros(1, np.uint64)
    )
    assert int(out.action[0]) == 3
    lost = [a for a in range(7) if a != 3 and out.proofs[0, a] == -1]
    assert len(lost) >= 5, out.proofs
