"""Batched tree search: exact expectations on small positions, against exhaustive minimax on
tic-tac-toe, and batch-equals-single."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from boardzoo.agents.players import RandomPlayer, SearchPlayer, UCTPlayer, aec_action
from boardzoo.agents.search import (
    FunctionEvaluator,
    RolloutEvaluator,
    SearchConfig,
    Tree,
    masked_softmax,
    policy_from_visits,
    search,
    uniform_evaluator,
)
from boardzoo.envs import State, make
from boardzoo.wrappers.gymnasium import BoardGameEnv

from ..envs.positions import play
from .minimax import optimal_moves


def keys_for(batch: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**63, size=batch, dtype=np.int64).astype(np.uint64)


def test_a_childs_statistics_lie_side_by_side_and_do_not_overlap():
    tree = Tree.empty(2, 5, 3)
    fields = (tree.children_index, tree.children_prior, tree.children_visits, tree.children_value_sum)
    assert all(field.shape == (2, 5, 3) and field.strides[-1] == 16 for field in fields)
    start = tree.children_index.__array_interface__["data"][0]
    offsets = [field.__array_interface__["data"][0] - start for field in fields]
    assert offsets == [0, 4, 8, 12]
    assert (tree.children_index == Tree.UNVISITED).all() and not tree.children_prior.any()
    tree.children_prior[1, 4, 2] = 0.5
    tree.children_visits[1, 4, 2] = 7
    tree.children_value_sum[1, 4, 2] = -1.5
    assert tree.children_index[1, 4, 2] == Tree.UNVISITED
    assert (tree.children_prior[1, 4, 2], tree.children_visits[1, 4, 2]) == (0.5, 7)
    assert tree.children_value_sum[1, 4, 2] == -1.5


@pytest.mark.parametrize("rule", ["puct", "uct"])
def test_root_visits_sum_to_the_simulations_and_finished_roots_are_skipped(rule):
    game = make("connect_four")
    state = game.init(3)
    for move in (0, 1, 0, 1, 0, 1):
        state = game.step(state, np.array([move, move, move + 2]))
    state = game.step(state, np.array([0, 2, 4]))  # row 0: x wins column a
    assert state.done.tolist() == [True, False, False]
    out = search(game, state, RolloutEvaluator(game), SearchConfig(simulations=50, rule=rule), keys_for(3))
    assert out.visits.sum(axis=1).tolist() == [0, 50, 50]
    assert (out.visits[~state.legal_action_mask] == 0).all()
    # One node per simulation that expanded something; revisits of terminal nodes add none.
    assert out.tree.num_nodes[0] == 1 and (out.tree.num_nodes[1:] <= 51).all()


def connect_four_position(moves: list[int]) -> State:
    return play(make("connect_four"), moves)


@pytest.mark.parametrize(
    ("moves", "expected"),
    [
        ([3, 0, 3, 0, 3, 6], {3}),  # x (to move) completes column d
        ([1, 6, 2, 6, 3, 5], {0, 4}),  # x has b, c, d on the bottom: either end wins
        ([3, 0, 3, 0, 3], {3}),  # o must block x's column d
        ([0, 3, 6, 4, 6, 5], {2, 6}),  # x must block o's d-e-f (c or g)
    ],
)
@pytest.mark.parametrize("player_kind", ["uct", "puct"])
def test_connect_four_tactics(moves, expected, player_kind):
    game = make("connect_four")
    state = connect_four_position(moves)
    if player_kind == "uct":
        player = UCTPlayer(game, simulations=400)
    else:
        player = SearchPlayer(game, RolloutEvaluator(game, 2), SearchConfig(simulations=300))
    action = int(player.act(state, np.random.default_rng(1))[0])
    assert action in expected, (game.render(state, 0), action, player.last_search.visits)


def test_terminal_children_are_scored_exactly_without_the_evaluator():
    game = make("tic_tac_toe")
    state = play(game, [0, 3, 1, 4])  # x to move: 2 wins at once
    calls = []

    def fn(observation, mask):
        calls.append(mask.shape[0])
        return np.zeros(mask.shape, np.float32), np.zeros(mask.shape[0], np.float32)

    out = search(game, state, FunctionEvaluator(game, fn), SearchConfig(simulations=40), keys_for(1))
    assert out.visits[0].argmax() == 2 and out.q[0, 2] == 1.0
    # The evaluator saw the root and each new non-terminal node, nothing else: revisits of the
    # won child (visits[2] > 1) and other terminal nodes were scored from the kernel's rewards.
    tree = out.tree
    expanded = int(tree.num_nodes[0]) - 1
    terminal_nodes = int(tree.node_terminal[0, 1 : expanded + 1].sum())
    assert out.visits[0, 2] > 1 and terminal_nodes >= 1
    assert sum(calls) == 1 + expanded - terminal_nodes


def reachable_tic_tac_toe_positions() -> State:
    """Every reachable non-terminal tic-tac-toe position once (4,520), as one batch."""
    game = make("tic_tac_toe")
    frontier, seen, found = game.init(1), set(), []
    while frontier.batch_size:
        keep = []
        for i in range(frontier.batch_size):
            key = frontier.board[i].tobytes()
            if key not in seen and not frontier.done[i]:
                seen.add(key)
                keep.append(i)
        frontier = frontier.take(np.array(keep, dtype=np.int64))
        found.append(frontier)
        rows, actions = np.nonzero(frontier.legal_action_mask)
        frontier = game.step(frontier.take(rows), actions)
    return type(found[0]).stack(found)


def test_uct_plays_minimax_optimal_moves_in_every_tic_tac_toe_position():
    game = make("tic_tac_toe")
    positions = reachable_tic_tac_toe_positions()
    assert positions.batch_size == 4520
    actions = UCTPlayer(game, simulations=3000).act(positions, np.random.default_rng(0))
    wrong = [
        i
        for i in range(positions.batch_size)
        if actions[i] not in optimal_moves(tuple(positions.board[i].ravel()), int(positions.current_player[i]))
    ]
    assert not wrong, f"{len(wrong)} positions, e.g.\n{game.render(positions, wrong[0])}"


@pytest.mark.parametrize(
    "config",
    [SearchConfig(simulations=40, dirichlet_fraction=0.25), SearchConfig(simulations=40, rule="uct", exploration=2.0)],
)
def test_batched_search_equals_single_searches(config):
    game = make("connect_four")
    rng = np.random.default_rng(5)
    state = game.init(6)
    for _ in range(8):
        state = game.step(state, RandomPlayer().act(state, rng))
    keys = keys_for(6, seed=9)
    evaluator = RolloutEvaluator(game)
    batched = search(game, state, evaluator, config, keys)
    for i in range(6):
        single = search(game, state.take(np.array([i])), evaluator, config, keys[i : i + 1])
        np.testing.assert_array_equal(batched.visits[i], single.visits[0])
        np.testing.assert_allclose(batched.q[i], single.q[0], rtol=1e-6)


@pytest.mark.parametrize(
    ("game_id", "params"),
    [
        ("connect_four", {}),
        ("connect_four", {"rows": 4, "columns": 5, "x_in_row": 3}),
        ("hex", {"board_size": 5}),
        ("hex", {}),
        ("go", {"board_size": 5}),
    ],
)
def test_every_playout_path_gives_the_outcomes_of_the_public_step(game_id, params):
    # RolloutEvaluator plays a game's own `playout_fn` where it has one (Hex fills the board,
    # Connect Four plays row by row), else a numba kernel's playouts in one compiled loop over
    # the rows still playing, else it steps the batch through `sample_legal_actions_keyed`.
    # All must give every row the same outcome (games end at different plies).
    game = make(game_id, **params)
    rng = np.random.default_rng(3)
    state = game.init(48)
    for _ in range(4):
        state = game.step(state, RandomPlayer().act(state, rng))
    keys = keys_for(48, seed=11)
    kernel_game = dataclasses.replace(game, playout_fn=None)
    python_game = dataclasses.replace(kernel_game, apply=lambda s, action, active: game.apply(s, action, active))
    outcomes = [RolloutEvaluator(g, num_rollouts=3)(state, keys)[1] for g in (game, kernel_game, python_game)]
    np.testing.assert_array_equal(outcomes[0], outcomes[2])
    np.testing.assert_array_equal(outcomes[1], outcomes[2])
    assert len(np.unique(outcomes[0])) > 1
    assert (game.playout_fn is not None) == (game_id in ("hex", "connect_four"))


def test_puct_follows_the_prior_and_the_value():
    # A fixed evaluator: prior prefers column a, but every position after column d is worth
    # +1 to the player who played it. PUCT must shift its visits to d.
    game = make("connect_four")

    def fn(observation, mask):
        logits = np.zeros(mask.shape, np.float32)
        logits[:, 0] = 1.0
        last_move_was_d = observation[:, 1, 5, 3] == 1  # the opponent's stone at the bottom of d
        value = np.where(last_move_was_d, -1.0, 0.0).astype(np.float32)
        return logits, value

    out = search(game, game.init(1), FunctionEvaluator(game, fn), SearchConfig(simulations=60), keys_for(1))
    assert out.prior[0].argmax() == 0
    assert out.visits[0].argmax() == 3 and out.q[0, 3] > out.q[0, 0]


def test_policy_from_visits_and_masked_softmax():
    visits = np.array([[1, 3, 0, 4], [0, 0, 0, 0]])
    np.testing.assert_array_equal(policy_from_visits(visits, 0), [[0, 0, 0, 1], [0, 0, 0, 0]])
    np.testing.assert_allclose(policy_from_visits(visits, 1)[0], [1 / 8, 3 / 8, 0, 4 / 8])
    np.testing.assert_allclose(policy_from_visits(visits, 0.5)[0], np.array([1, 9, 0, 16]) / 26)
    probs = masked_softmax(np.array([[0.0, 1.0, 5.0]]), np.array([[True, True, False]]))
    np.testing.assert_allclose(probs, [[1 / (1 + np.e), np.e / (1 + np.e), 0.0]], rtol=1e-6)


def test_bad_search_config_is_rejected():
    with pytest.raises(ValueError, match="simulations must be a positive int, got 0"):
        SearchConfig(simulations=0)
    with pytest.raises(ValueError, match=r"rule must be one of \['puct', 'uct'\], got 'ucb'"):
        SearchConfig(rule="ucb")
    game = make("tic_tac_toe")
    with pytest.raises(ValueError, match=r"keys must have shape \(2,\)"):
        search(game, game.init(2), uniform_evaluator(game), SearchConfig(), keys_for(3))


def test_uct_player_beats_random_as_a_gymnasium_opponent_and_in_the_aec_env():
    game = make("tic_tac_toe")
    env = BoardGameEnv(game, opponent=UCTPlayer(game, simulations=300), learner_seat=None)
    rng = np.random.default_rng(0)
    learner_total = 0.0
    for episode in range(10):
        _, info = env.reset(seed=episode)
        done = False
        while not done:
            legal = np.flatnonzero(info["action_mask"])
            _, reward, done, _, info = env.step(int(rng.choice(legal)))
            learner_total += reward
    assert learner_total <= -5  # the random learner loses most games against UCT

    import boardzoo.envs

    aec = boardzoo.envs.tic_tac_toe_v0.env()
    aec.reset()
    uct = UCTPlayer(game, simulations=1500)
    final = {}
    for agent in aec.agent_iter():
        _, reward, terminated, _, _ = aec.last()
        if terminated:
            final[agent] = reward
        aec.step(aec_action(uct, aec, rng))
    assert final == {"player_0": 0.0, "player_1": 0.0}  # UCT against itself draws


def test_sample_from_policy_follows_the_weights_and_never_picks_zero_weight():
    from boardzoo.agents.search import sample_from_policy

    weights = np.tile(np.array([0.0, 3.0, 0.0, 1.0, 0.0]), (40_000, 1))  # unnormalised
    picks = sample_from_policy(weights, np.random.default_rng(0))
    assert set(np.unique(picks).tolist()) == {1, 3}
    assert abs((picks == 1).mean() - 0.75) < 0.01

    # A draw at the very top (u -> 1) still lands on the last positive weight.
    class Top:
        def random(self, size):
            return np.full(size, 1.0 - 1e-17)

    assert sample_from_policy(weights[:2], Top()).tolist() == [3, 3]  # type: ignore[arg-type]
