"""The fused simulation step (select, expand with the game's kernel, record, back up in one numba
call) gives exactly the searches of the generic path (the same numba halves around a Python
call of `game.apply`), for PUCT, UCT and Gumbel on several games."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.agents.search import (
    GumbelConfig,
    RolloutEvaluator,
    SearchConfig,
    SearchOutput,
    gumbel_search,
    search,
)
from boardzoo.agents.search.driver import Rules, derive_keys, observation_entry, open_search
from boardzoo.agents.search.simulation import Simulator, derive_key
from boardzoo.envs import Game, State, make

GAMES = [
    ("connect_four", {}, 6),
    ("hex", {"board_size": 5}, 4),
    ("othello", {"board_size": 6}, 4),
    ("go", {"board_size": 5}, 6),
    ("tic_tac_toe", {}, 2),
]


def generic(game: Game) -> Game:
    """The same game (its states are interchangeable) with a plain-Python `apply`, which the
    search cannot fuse."""

    def apply(state, action, active):
        game.apply(state, action, active)

    return type(game)(**{**game.__dict__, "apply": apply})


def positions(game: Game, batch: int, plies: int, seed: int) -> State:
    rng = np.random.default_rng(seed)
    state = game.init(batch)
    for _ in range(plies):
        legal = state.legal_action_mask
        state = game.step(state, np.array([rng.choice(np.flatnonzero(m)) if m.any() else 0 for m in legal]))
    return state


def keyed_evaluator(game: Game):
    """Logits and values from the observation and the keys (so wrong keys would show)."""

    def evaluate(state, keys):
        return from_observation(game, game.observe(state), keys)

    return evaluate


def from_observation(game: Game, observation: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    flat = observation.reshape(len(observation), -1)
    weights = np.sin(np.arange(flat.shape[1] * game.num_actions, dtype=np.float32)).reshape(flat.shape[1], -1)
    logits = (flat @ weights).astype(np.float32)
    value = np.tanh(flat.sum(axis=1) * 0.37 - 2.0 + (keys % np.uint64(7)).astype(np.float32) * 0.05)
    return logits, value.astype(np.float32)


class ObservingEvaluator:
    """`keyed_evaluator` that also takes observations (`evaluate_observations`), counting how
    many leaf batches reach it that way."""

    def __init__(self, game: Game) -> None:
        self.game = game
        self.observed_calls = 0

    def __call__(self, state, keys):
        return from_observation(self.game, self.game.observe(state), keys)

    def evaluate_observations(self, observation, keys):
        self.observed_calls += 1
        return from_observation(self.game, observation.copy(), keys)


def assert_same_search(a: SearchOutput, b: SearchOutput) -> None:
    for name in ("action", "policy", "visits", "q", "prior", "root_value"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    if a.proofs is not None or b.proofs is not None:
        np.testing.assert_array_equal(a.proofs, b.proofs)
    for name, value in a.tree.__dict__.items():
        np.testing.assert_array_equal(value, b.tree.__dict__[name], err_msg=f"tree.{name}")
    nodes = a.tree.node_visits.shape[1]  # node states of the nodes in the tree (other rows are unspecified)
    used = np.concatenate([row * nodes + np.arange(count) for row, count in enumerate(a.tree.num_nodes)])
    for name, value in a.states.__dict__.items():
        np.testing.assert_array_equal(value[used], b.states.__dict__[name][used], err_msg=f"states.{name}")


@pytest.mark.parametrize(("game_id", "params", "plies"), GAMES)
@pytest.mark.parametrize(
    "variant", ["puct", "puct_noise_solver", "uct", "gumbel", "gumbel_solver"], ids=lambda variant: variant
)
def test_fused_search_equals_the_generic_path(game_id, params, plies, variant):
    game = make(game_id, **params)
    slow = generic(game)
    roots = positions(game, 5, plies, seed=3)
    keys = np.arange(5, dtype=np.uint64) * np.uint64(977) + np.uint64(12345)
    if variant.startswith("gumbel"):
        config = GumbelConfig(simulations=40, max_considered_actions=8, solver=variant.endswith("solver"))
        run = gumbel_search
        evaluator = keyed_evaluator(game)
    elif variant == "uct":
        config = SearchConfig(simulations=40, rule="uct", exploration=2.0)
        run = search
        evaluator = RolloutEvaluator(game)  # the same rollouts for both (its own kernel loop)
    else:
        fraction = 0.25 if "noise" in variant else 0.0
        config = SearchConfig(simulations=40, dirichlet_fraction=fraction, solver=variant.endswith("solver"))
        run = search
        evaluator = keyed_evaluator(game)
    fused = run(game, roots, evaluator, config, keys)
    plain = run(slow, roots, evaluator, config, keys)
    assert_same_search(fused, plain)
    assert int(fused.tree.num_nodes.sum()) > 5 * 20  # the trees grew


@pytest.mark.parametrize(("game_id", "params", "plies"), GAMES)
@pytest.mark.parametrize("variant", ["puct_solver", "gumbel"])
def test_observations_written_by_the_fused_step_give_the_same_search(game_id, params, plies, variant):
    # The fused step writes the leaves' observations with the game's numba kernel; a search fed
    # those must be the search fed game.observe(leaves), node for node.
    game = make(game_id, **params)
    roots = positions(game, 5, plies, seed=4)
    keys = np.arange(5, dtype=np.uint64) * np.uint64(613) + np.uint64(99)
    if variant == "gumbel":
        config, run = GumbelConfig(simulations=40, max_considered_actions=8), gumbel_search
    else:
        config, run = SearchConfig(simulations=40, solver=True), search
    observing = ObservingEvaluator(game)
    observed = run(game, roots, observing, config, keys)
    assert_same_search(observed, run(game, roots, keyed_evaluator(game), config, keys))
    assert observing.observed_calls >= 30  # the leaves came as observations
    on_generic = ObservingEvaluator(game)
    assert_same_search(observed, run(generic(game), roots, on_generic, config, keys))
    assert on_generic.observed_calls == 0  # no fused step, no observations: the plain call


def test_observations_go_only_to_an_evaluator_that_computes_its_call_from_them():
    game = make("connect_four")
    assert observation_entry(ObservingEvaluator(game), game) is not None
    assert observation_entry(ObservingEvaluator(make("connect_four")), game) is not None  # the game made again

    class Tempered(ObservingEvaluator):  # changes the call, not evaluate_observations
        def __call__(self, state, keys):
            logits, value = super().__call__(state, keys)
            return logits / 2, value

    assert observation_entry(Tempered(game), game) is None
    flipped = type(game)(**{**game.__dict__, "observe_fn": lambda state, player: game.observe_fn(state, 1 - player)})
    assert observation_entry(ObservingEvaluator(flipped), game) is None  # its game observes otherwise
    assert observation_entry(ObservingEvaluator(make("connect_four", rows=5)), game) is None
    assert observation_entry(keyed_evaluator(game), game) is None  # a plain function


class Unblocked:
    """An evaluator that claims wide batches help: the search then takes all rows at once."""

    wide_batches_help = True

    def __init__(self, evaluate) -> None:
        self.evaluate = evaluate

    def __call__(self, state, keys):
        return self.evaluate(state, keys)


class Blocked(Unblocked):
    """One that says they do not: the search simulates its rows in blocks."""

    wide_batches_help = False


@pytest.mark.parametrize("variant", ["uct", "puct_noise_solver", "gumbel"])
def test_rows_searched_in_blocks_equal_one_pass(variant, monkeypatch):
    # Blocks of 3 rows (BLOCK_BYTES cut to fit), including a short last block and a finished
    # root, give the same trees, node states and outputs as all 8 rows at once.
    from boardzoo.agents.search import driver

    game = make("connect_four")
    roots = positions(game, 8, 6, seed=5)
    finished = game.init(1)
    for move in (0, 1, 0, 1, 0, 1, 0):  # x wins in column 0
        finished = game.step(finished, np.array([move]))
    roots = type(roots).stack([roots.take(np.arange(4)), finished, roots.take(np.arange(5, 8))])
    assert roots.done.tolist() == [False] * 4 + [True] + [False] * 3
    keys = np.arange(8, dtype=np.uint64) * np.uint64(31) + np.uint64(7)
    buffers, _ = open_search(game, roots, 24)
    tree, store = buffers.tree, buffers.store
    row_bytes = (sum(v.nbytes for v in tree.__dict__.values()) + sum(v.nbytes for v in store.__dict__.values())) // 8
    monkeypatch.setattr(driver, "BLOCK_BYTES", 3 * row_bytes)
    assert driver.block_rows(tree, store) == 3
    if variant == "gumbel":
        config, run, base = GumbelConfig(simulations=24, max_considered_actions=4), gumbel_search, keyed_evaluator(game)
    elif variant == "uct":
        config, run, base = SearchConfig(simulations=24, rule="uct", exploration=2.0), search, RolloutEvaluator(game)
    else:
        config, run = SearchConfig(simulations=24, dirichlet_fraction=0.25, solver=True), search
        base = keyed_evaluator(game)
    sizes = []

    def counted(state, leaf_keys):
        # Row by row: a matrix product's rounding may depend on how many rows it multiplies.
        sizes.append(state.batch_size)
        rows = [base(state.take([i]), leaf_keys[i : i + 1]) for i in range(state.batch_size)]
        return np.concatenate([r[0] for r in rows]), np.concatenate([r[1] for r in rows])

    blocked = run(game, roots, Blocked(counted), config, keys)
    assert sizes[0] == 7 and max(sizes[1:]) <= 3  # the roots at once, then a block at a time
    assert_same_search(blocked, run(game, roots, Unblocked(counted), config, keys))


@pytest.mark.parametrize(("game_id", "params", "plies"), GAMES)
def test_uct_with_playouts_in_numba_equals_the_evaluator_loop(game_id, params, plies, monkeypatch):
    # The whole rollout search in one numba call gives the search that calls the
    # RolloutEvaluator once per simulation (Hex and Connect Four with their own `playout_fn` loops).
    from boardzoo.agents.search import driver

    game = make(game_id, **params)
    roots = positions(game, 5, plies, seed=2)
    keys = np.arange(5, dtype=np.uint64) * np.uint64(99) + np.uint64(5)
    config = SearchConfig(simulations=60, rule="uct", exploration=2.0)
    calls = []
    evaluator = RolloutEvaluator(game)
    real_call = RolloutEvaluator.__call__
    monkeypatch.setattr(RolloutEvaluator, "__call__", lambda self, *args: calls.append(1) or real_call(self, *args))
    in_numba = search(game, roots, evaluator, config, keys)
    assert len(calls) == 1  # the roots only
    monkeypatch.setattr(driver, "_plays_out_in_numba", lambda evaluate, game: False)
    assert_same_search(in_numba, search(game, roots, evaluator, config, keys))
    assert len(calls) > 50


@pytest.mark.parametrize(("game_id", "params", "plies"), GAMES)
def test_registered_games_take_the_fused_path(game_id, params, plies):
    game = make(game_id, **params)
    roots = positions(game, 2, plies, seed=1)
    for which, fused in ((game, True), (generic(game), False)):
        buffers, active = open_search(which, roots, 4)
        simulator = Simulator(buffers.tree, which, buffers.store, np.zeros(2, np.uint64), active, Rules())
        assert simulator.fused is fused


def test_fused_search_with_finished_roots_and_terminal_leaves():
    # Some roots finished, some one move from the end: rows skip, reach terminal nodes and
    # send fewer leaves than B to the evaluator (the buffer's first rows).
    game = make("tic_tac_toe")
    rows = []
    for moves in ([0, 3, 1, 4, 2], [0, 3, 1, 4], [4, 0, 8], []):  # row 0 is over (x won)
        row = game.init(1)
        for move in moves:
            row = game.step(row, np.array([move]))
        rows.append(row)
    state = type(rows[0]).stack(rows)
    keys = np.arange(4, dtype=np.uint64)
    calls = []

    def evaluate(leaves, leaf_keys):
        calls.append(leaves.batch_size)
        assert not leaves.done.any() and leaf_keys.shape == (leaves.batch_size,)
        return keyed_evaluator(game)(leaves, leaf_keys)

    config = SearchConfig(simulations=30)
    fused = search(game, state, evaluate, config, keys)
    assert_same_search(fused, search(generic(game), state, keyed_evaluator(game), config, keys))
    assert fused.action[0] == -1 and fused.visits[0].sum() == 0
    assert fused.q[1, 2] == 1.0  # the win, scored exactly
    assert min(calls) < 3  # rows that reached terminal nodes were not evaluated


def test_evaluator_output_of_the_wrong_shape_is_refused():
    game = make("connect_four")

    def evaluate(state, keys):
        if state.batch_size == 2 and not state.step_count.any():  # the roots
            return np.zeros((2, 7), np.float32), np.zeros(2, np.float32)
        return np.zeros((state.batch_size + 1, 7), np.float32), np.zeros(state.batch_size + 1, np.float32)

    with pytest.raises(ValueError, match="evaluator returned logits"):
        search(game, game.init(2), evaluate, SearchConfig(simulations=4), np.zeros(2, np.uint64))


def test_numba_key_derivation_equals_derive_keys():
    keys = np.random.default_rng(0).integers(0, 2**63, 64, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    for index in (0, 1, 7, 511, 100_000):
        expected = derive_keys(keys, index)
        assert [derive_key(key, index) for key in keys] == expected.tolist()
