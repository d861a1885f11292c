"""Tree reuse: the subtree below the move played keeps its statistics, consistent with a search
from the new root that visited the same nodes, and the next search adds to it."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.agents.players import SearchPlayer, UCTPlayer, play_match
from boardzoo.agents.search import (
    FunctionEvaluator,
    Reuse,
    RolloutEvaluator,
    SearchConfig,
    next_root_nodes,
    search,
)
from boardzoo.agents.search.reuse import reroot
from boardzoo.agents.training.expert_iteration import SelfPlay, SelfPlayConfig
from boardzoo.envs import make


def deterministic(game):
    def fn(observation, mask):
        flat = observation.reshape(observation.shape[0], -1)
        logits = np.where(mask, np.sin(np.arange(mask.shape[1]) + flat.sum(axis=1, keepdims=True)), 0.0)
        return logits.astype(np.float32), np.tanh(flat[:, ::3].sum(axis=1) - flat[:, 1::3].sum(axis=1)) * 0.3

    return FunctionEvaluator(game, fn)


def assert_consistent(tree, row: int) -> None:
    # Every non-terminal node's visits and value sum are its own evaluation plus what passed
    # through its children (children_value_sum is kept for the player choosing at the node).
    for node in range(int(tree.num_nodes[row])):
        if tree.node_terminal[row, node]:
            continue
        assert tree.node_visits[row, node] == 1 + tree.children_visits[row, node].sum()
        expected = tree.node_raw_value[row, node] + tree.children_value_sum[row, node].sum()
        np.testing.assert_allclose(tree.node_value_sum[row, node], expected, rtol=1e-4, atol=1e-4)


def test_the_reused_subtree_is_the_old_one_renumbered_and_the_next_search_adds_to_it():
    game = make("connect_four")
    state = game.init(3)
    evaluator = deterministic(game)
    config = SearchConfig(simulations=120)
    first = search(game, state, evaluator, config, np.arange(3, dtype=np.uint64))
    played = first.action
    child = next_root_nodes(first, played)
    after = game.step(state, played)
    tree, store, reused = reroot(game, after, Reuse(first, np.arange(3), child), simulations=0)
    assert reused.all()
    for row in range(3):
        old = first.tree
        assert tree.node_visits[row, 0] == old.node_visits[row, child[row]]
        np.testing.assert_array_equal(tree.children_visits[row, 0], old.children_visits[row, child[row]])
        np.testing.assert_allclose(tree.children_value_sum[row, 0], old.children_value_sum[row, child[row]])
        assert tree.num_nodes[row] == old.node_visits[row, child[row]]  # one node per visit below the root
        assert tree.parents[row, 0] == -1 and (tree.parents[row, 1 : tree.num_nodes[row]] >= 0).all()
        rows = np.arange(tree.num_nodes[row]) + row * tree.node_visits.shape[1]
        np.testing.assert_array_equal(store.current_player[rows], tree.node_player[row, : tree.num_nodes[row]])
        assert_consistent(tree, row)
    second = search(
        game, after, evaluator, config, np.arange(3, dtype=np.uint64) + 7, reuse=Reuse(first, np.arange(3), child)
    )
    assert (second.visits.sum(axis=1) == first.tree.node_visits[np.arange(3), child] - 1 + 120).all()
    assert_consistent(second.tree, 0)


def test_rows_without_reuse_search_exactly_as_a_fresh_search():
    game = make("tic_tac_toe")
    state = game.init(2)
    evaluator = deterministic(game)
    config = SearchConfig(simulations=40)
    first = search(game, state, evaluator, config, np.arange(2, dtype=np.uint64))
    after = game.step(state, first.action)
    reuse = Reuse(first, np.arange(2), np.array([-1, -1], np.int32))
    with_reuse = search(game, after, evaluator, config, np.array([5, 6], np.uint64), reuse=reuse)
    fresh = search(game, after, evaluator, config, np.array([5, 6], np.uint64))
    np.testing.assert_array_equal(with_reuse.visits, fresh.visits)
    np.testing.assert_allclose(with_reuse.q, fresh.q, rtol=1e-6)


def test_a_player_reuses_its_trees_in_a_match_with_seats_alternated_and_still_plays_well():
    # Each call sees only the games where the player is to move: in turn the games where it
    # plays first and those where it plays second, so the search holding this call's positions
    # is the one before last.
    game = make("connect_four")
    player = SearchPlayer(
        game, RolloutEvaluator(game), SearchConfig(simulations=200, rule="uct", exploration=2.0), reuse_tree=True
    )
    root_visits = []
    original = player.act

    def act(state, rng):
        actions = original(state, rng)
        root_visits.append(player.last_search.tree.node_visits[:, 0].copy())
        return actions

    player.act = act  # type: ignore[method-assign]
    result = play_match(game, player, UCTPlayer(game, simulations=50), 8, np.random.default_rng(0))
    later = np.concatenate(root_visits[2:])  # each group's second search on
    assert (later > 201).mean() > 0.9  # nearly every root starts with the visits of an earlier search
    assert result.score >= 0.75


def test_a_reuse_may_continue_rows_from_several_previous_searches():
    game = make("connect_four")
    evaluator = deterministic(game)
    config = SearchConfig(simulations=60)
    start = game.init(2)
    opened = game.step(start, np.array([3, 0]))
    searches = [search(game, state, evaluator, config, np.arange(2, dtype=np.uint64) + 3) for state in (start, opened)]
    # New rows: row 1 of the second search's move, row 0 of the first's, a fresh one.
    children = [next_root_nodes(output, output.action) for output in searches]
    after = [game.step(state, output.action) for state, output in zip((start, opened), searches, strict=True)]
    root = type(start).stack([after[1].take(np.array([1])), after[0].take(np.array([0, 1]))])
    rows, sources = np.array([1, 0, 1]), np.array([1, 0, 0])
    nodes = np.array([children[1][1], children[0][0], -1], np.int32)
    reuse = Reuse((searches[0], searches[1]), rows, nodes, sources)
    tree, store, reused = reroot(game, root, reuse, simulations=0)
    assert reused.tolist() == [True, True, False]
    for new_row in (0, 1):
        old, row, node = searches[sources[new_row]].tree, rows[new_row], nodes[new_row]
        np.testing.assert_array_equal(tree.children_visits[new_row, 0], old.children_visits[row, node])
        assert tree.num_nodes[new_row] == old.node_visits[row, node]
        assert_consistent(tree, new_row)
    assert tree.num_nodes[2] == 1
    roots = np.arange(3) * tree.node_visits.shape[1]  # each row's root holds the new position
    for name, field in store.__dict__.items():
        np.testing.assert_array_equal(field[roots], root.__dict__[name])
    second = search(game, root, evaluator, config, np.arange(3, dtype=np.uint64), reuse=reuse)
    assert second.visits[0].sum() == searches[1].tree.node_visits[1, nodes[0]] - 1 + 60
    assert second.visits[2].sum() == 60


def test_self_play_reuses_trees_between_moves_and_forgets_them_on_request():
    game = make("tic_tac_toe")
    config = SelfPlayConfig(
        batch_size=8, algorithm="puct", simulations=16, cheap_simulations=16, full_search_fraction=1.0, reuse_tree=True
    )
    selfplay = SelfPlay(game, deterministic(game), config, np.random.default_rng(0))
    selfplay.play_move()
    assert selfplay._reuse is not None and (selfplay._reuse.nodes >= 0).all()
    selfplay.play_move()
    selfplay.forget_tree()
    assert selfplay._reuse is None


def test_a_reuse_pointing_outside_its_previous_search_is_refused_by_name():
    # (the subtree copy runs in numba, which does not check bounds: a bad index would crash)
    game = make("tic_tac_toe")
    state = game.init(2)
    first = search(game, state, deterministic(game), SearchConfig(simulations=8), np.arange(2, dtype=np.uint64))
    after = game.step(state, first.action)
    fine = np.array([0, 1]), np.array([1, -1], np.int32)
    for reuse, message in (
        (Reuse(first, np.array([5, 1]), fine[1]), r"reuse row 0 points at node 1 of row 5 .* has 2 rows"),
        (Reuse(first, fine[0], np.array([10**6, -1], np.int32)), r"node 1000000 of row 0 .* and 9 nodes in that row"),
        (Reuse(first, np.array([0.0, 1.0]), fine[1]), r"reuse rows must be 2 ints, got float64"),
        (Reuse([first, first], *fine, sources=np.array([2, 0])), r"index the 2 previous searches; row 0 has 2"),
    ):
        with pytest.raises(ValueError, match=message):
            reroot(game, after, reuse, simulations=4)
    # a row that starts afresh may name any source
    tree, _, reused = reroot(game, after, Reuse([first], *fine, sources=np.array([0, 7])), simulations=4)
    assert reused.tolist() == [True, False] and tree.num_nodes[1] == 1
