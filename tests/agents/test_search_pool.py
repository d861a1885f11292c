"""Small searches reuse pooled buffers (`search/pool.py`): their results equal those of searches
in fresh buffers, what they return is never written by a later search, and a search that
fails or nests another leaves the pool correct."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

from boardzoo.agents.search import (
    FunctionEvaluator,
    GumbelConfig,
    RolloutEvaluator,
    SearchConfig,
    Tree,
    gumbel_search,
    pool,
    search,
)
from boardzoo.envs import make

from ..envs.positions import play
from .test_fused_simulation import ObservingEvaluator, keyed_evaluator

CONFIGS = [
    SearchConfig(simulations=24),
    SearchConfig(simulations=24, rule="uct", exploration=1.4),
    SearchConfig(simulations=24, solver=True),
    GumbelConfig(simulations=24, max_considered_actions=4),
]


def run(config, game, roots, evaluate, keys):
    return (gumbel_search if isinstance(config, GumbelConfig) else search)(game, roots, evaluate, config, keys)


def deterministic(game):
    def fn(observation, mask):
        flat = observation.reshape(observation.shape[0], -1)
        logits = np.where(mask, np.cos(np.arange(mask.shape[1]) * flat.sum(axis=1, keepdims=True)), 0.0)
        return logits.astype(np.float32), np.tanh(flat[:, ::5].sum(axis=1) - flat[:, 2::5].sum(axis=1)) * 0.4

    return FunctionEvaluator(game, fn)


def snapshot(output):
    # Every array of a search's output, copied; node states only of the nodes in the tree.
    tree = output.tree
    arrays = {f"tree.{name}": value.copy() for name, value in tree.__dict__.items()}
    nodes = tree.node_visits.shape[1]
    used = np.concatenate([b * nodes + np.arange(tree.num_nodes[b]) for b in range(tree.num_nodes.shape[0])])
    arrays |= {f"states.{name}": value[used].copy() for name, value in output.states.__dict__.items()}
    for name in ("action", "policy", "visits", "q", "prior", "root_value", "proofs"):
        if getattr(output, name) is not None:
            arrays[name] = getattr(output, name).copy()
    return arrays


def assert_same(first, second):
    assert first.keys() == second.keys()
    for name in first:
        np.testing.assert_array_equal(first[name], second[name], err_msg=name)


@pytest.fixture
def fresh_pool(monkeypatch):
    pool.clear()
    yield
    pool.clear()


def unpooled(monkeypatch, config, game, roots, evaluate, keys):
    # The same search in fresh buffers, which it keeps (no spares to take, none given back).
    with monkeypatch.context() as patch:
        patch.setattr(pool, "POOLED_BYTES", -1)
        patch.setattr(pool, "_spares", OrderedDict())
        output = snapshot(run(config, game, roots, evaluate, keys))
        assert pool.spare_count() == 0
        return output


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{type(c).__name__}-{getattr(c, 'rule', 'gumbel')}")
def test_pooled_searches_equal_fresh_ones_and_keep_what_they_returned(config, monkeypatch, fresh_pool):
    game = make("connect_four")
    evaluate = deterministic(game)
    positions = [play(game, moves) for moves in ([], [3, 3, 2], [0, 1, 0, 1, 0], [3, 2, 3, 2, 3, 2])]
    outputs, expected = [], []
    for index, root in enumerate(positions):  # one shape: each search reuses the last one's buffers
        keys = np.array([index + 11], np.uint64)
        expected.append(unpooled(monkeypatch, config, game, root, evaluate, keys))
        outputs.append(run(config, game, root, evaluate, keys))
        assert pool.spare_count() == 1
    for output, wanted in zip(outputs, expected, strict=True):
        assert_same(snapshot(output), wanted)  # later searches did not write what it returned


def test_a_search_that_fails_is_not_pooled_and_the_next_one_is_correct(monkeypatch, fresh_pool):
    game = make("tic_tac_toe")
    good = deterministic(game)
    calls = {"left": 5}

    def failing(state, keys):
        calls["left"] -= 1
        if calls["left"] == 0:
            raise RuntimeError("evaluator down")
        return good(state, keys)

    config, root, keys = SearchConfig(simulations=16), game.init(1), np.array([3], np.uint64)
    search(game, root, good, config, keys)
    with pytest.raises(RuntimeError, match="evaluator down"):
        search(game, root, failing, config, keys)
    assert pool.spare_count() == 0  # the spare set was taken by the failed search and dropped
    after = snapshot(search(game, play(game, [4]), good, config, keys))
    assert_same(after, unpooled(monkeypatch, config, game, play(game, [4]), good, keys))


def test_a_search_nested_in_an_evaluator_takes_its_own_buffers(monkeypatch, fresh_pool):
    game = make("tic_tac_toe")
    inner_config, keys = SearchConfig(simulations=8), np.array([5], np.uint64)
    plain = deterministic(game)
    inner_outputs = []

    def nesting(state, leaf_keys):
        # Each call searches the first leaf with the same shape as the outer search.
        inner_outputs.append(snapshot(search(game, state.take(np.array([0])), plain, inner_config, keys)))
        return plain(state, leaf_keys)

    search(game, play(game, [0]), plain, inner_config, keys)  # a spare of the shape for the outer search
    assert pool.spare_count() == 1
    outer = snapshot(search(game, game.init(1), nesting, inner_config, keys))
    pooled_inner = inner_outputs.copy()
    inner_outputs.clear()
    assert_same(outer, unpooled(monkeypatch, inner_config, game, game.init(1), nesting, keys))
    for pooled, fresh in zip(pooled_inner, inner_outputs, strict=True):
        assert_same(pooled, fresh)


def test_changing_rule_constants_between_searches_of_one_shape(monkeypatch, fresh_pool):
    game = make("connect_four")
    evaluate, root, keys = deterministic(game), play(game, [2, 3]), np.array([9], np.uint64)
    for config in (SearchConfig(simulations=20), SearchConfig(simulations=20, exploration=3.0, fpu_reduction=0.0)):
        assert_same(
            snapshot(search(game, root, evaluate, config, keys)),
            unpooled(monkeypatch, config, game, root, evaluate, keys),
        )


def test_only_small_searches_keep_spare_buffers(fresh_pool):
    game = make("connect_four")
    evaluate = deterministic(game)
    search(game, game.init(1), evaluate, SearchConfig(simulations=16), np.zeros(1, np.uint64))
    assert pool.spare_count() == 1
    big = game.init(64)
    search(game, big, evaluate, SearchConfig(simulations=256), np.arange(64, dtype=np.uint64))
    assert pool.search_bytes(Tree.empty(64, 257, game.num_actions), game.init(64 * 257)) > pool.POOLED_BYTES
    assert pool.spare_count() == 1


def test_tree_copy_shares_nothing_and_clear_gives_an_empty_tree():
    game = make("tic_tac_toe")
    output = search(
        game, game.init(2), deterministic(game), SearchConfig(simulations=12), np.arange(2, dtype=np.uint64)
    )
    copy = output.tree.copy()
    empty = Tree.empty(2, 13, game.num_actions)
    for name, value in output.tree.__dict__.items():
        np.testing.assert_array_equal(copy.__dict__[name], value, err_msg=name)
        assert not np.shares_memory(copy.__dict__[name], value), name
        assert copy.__dict__[name].dtype == value.dtype
    assert copy.children_visits.strides == empty.children_visits.strides  # packed, as `empty` packs
    copy.clear()
    for name, value in empty.__dict__.items():
        np.testing.assert_array_equal(copy.__dict__[name], value, err_msg=name)


def test_each_pooled_search_takes_its_own_keys_live_rows_and_observation_path(monkeypatch, fresh_pool):
    # What a reused simulator refills (keys, live rows, rule arrays) and what it checks
    # (observations or states): searches of one shape that differ only in those.
    game = make("connect_four")
    finished = play(game, [0, 1, 0, 1, 0, 1, 0])
    live = play(game, [3])
    mixed, both = type(live).stack([finished, live]), type(live).stack([live, play(game, [2, 4])])
    runs = [
        (SearchConfig(simulations=20, rule="uct", exploration=2.0), RolloutEvaluator(game), live, [1]),
        (SearchConfig(simulations=20, rule="uct", exploration=2.0), RolloutEvaluator(game), live, [2]),
        (SearchConfig(simulations=20), keyed_evaluator(game), both, [5, 6]),
        (SearchConfig(simulations=20), keyed_evaluator(game), mixed, [3, 4]),  # a finished root now
        (SearchConfig(simulations=20), ObservingEvaluator(game), both, [7, 8]),
        (SearchConfig(simulations=20), keyed_evaluator(game), both, [7, 8]),
        (GumbelConfig(simulations=20), ObservingEvaluator(game), both, [9, 10]),
        (GumbelConfig(simulations=20), ObservingEvaluator(game), both, [11, 12]),
    ]
    for config, evaluate, roots, keys in runs:
        keys = np.array(keys, np.uint64)
        expected = unpooled(monkeypatch, config, game, roots, evaluate, keys)
        assert_same(snapshot(run(config, game, roots, evaluate, keys)), expected)


def test_buffers_given_back_twice_are_refused(fresh_pool):
    game = make("tic_tac_toe")
    buffers = pool.take(game, 1, 9)
    pool.give_back(game, buffers)
    with pytest.raises(ValueError, match="given back already"):
        pool.give_back(game, buffers)
    assert pool.spare_count() == 1
