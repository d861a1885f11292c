"""A conformance check for any `Game` kernel (pgx style): random legal play to the end, checking
the invariants every adapter relies on. Ships in the package so users can check their own games.
"""

from __future__ import annotations

import numpy as np

from boardzoo.envs._checks import check_int, describe
from boardzoo.envs.core import Game, State, sample_legal_actions, sample_legal_actions_keyed


def api_test(game: Game, *, batch_size: int = 32, seed: int = 0, max_steps: int | None = None) -> None:
    """Play `batch_size` random games to the end and assert the kernel contract.

    Checks: shapes and dtypes; the input state is never mutated; finished rows stay
    unchanged with zero rewards and an all-False mask; live rows have a legal action;
    rewards are zero-sum, in {-1, 0, 1} and non-zero only on the final transition;
    observations are float32 in [0, 1] with `game.observation_shape`; symmetries map legal
    masks to legal masks; a `playout_fn`, if the game has one, gives the outcomes of stepping
    random keyed moves to the end and leaves its input unchanged.

    Raises:
      AssertionError: naming the first violated invariant.
      TypeError, ValueError: `game` is not a `Game`, or a bad batch size, seed or step limit.
    """
    if not isinstance(game, Game):
        raise TypeError(f"api_test needs a Game (boardzoo.envs.make(id)), got {describe(game)}")
    rng = np.random.default_rng(check_int("seed", seed, 0))
    if max_steps is not None:
        max_steps = check_int("max_steps", max_steps, 1)
    state = game.init(batch_size)
    _check_shapes(game, state)
    limit = max_steps if max_steps is not None else game.max_game_length + 1
    for ply in range(limit):
        if state.done.all():
            break
        _check_live_rows(game, state)
        if ply in (0, 3) and game.playout_fn is not None:
            _check_playouts(game, state.take(np.flatnonzero(~state.done)), rng)
        actions = sample_legal_actions(state.legal_action_mask, rng)
        before = state.copy()
        new = game.step(state, actions)
        _assert_same(before, state, "step() mutated its input state")
        _check_transition(game, state, new)
        state = new
    assert state.done.all(), f"{game}: games still running after {limit} plies"
    again = game.step(state, np.zeros(batch_size, dtype=np.int64))
    _assert_same(state, _without_rewards(again, state), "finished rows changed")
    assert not again.rewards.any(), "finished rows got non-zero rewards"


def _check_playouts(game: Game, state: State, rng: np.random.Generator) -> None:
    # game.playout_fn against random keyed play through `step`, on the live rows of `state`.
    keys = rng.integers(0, 2**63, size=state.batch_size, dtype=np.uint64)
    before = state.copy()
    outcome = np.asarray(game.playout_fn(state, keys))
    _assert_same(before, state, "playout_fn() mutated its input state")
    expected_shape = (state.batch_size,)
    assert outcome.shape == expected_shape, f"playout_fn gave shape {outcome.shape}, expected {expected_shape}"
    player = state.current_player.copy()
    expected = np.zeros(state.batch_size)
    current = state.copy()
    for ply in range(game.max_game_length + 1):
        if current.done.all():
            break
        actions = sample_legal_actions_keyed(current.legal_action_mask, keys, ply)
        current = game.step(current, actions, in_place=True)
        expected += current.rewards[np.arange(state.batch_size), player]
    np.testing.assert_array_equal(outcome, expected, err_msg="playout_fn disagrees with keyed random play")


def _check_shapes(game: Game, state: State) -> None:
    batch = state.batch_size
    assert state.legal_action_mask.shape == (batch, game.num_actions) and state.legal_action_mask.dtype == np.bool_
    assert state.rewards.shape == (batch, game.num_players) and state.rewards.dtype == np.float32
    for name in ("terminated", "truncated"):
        assert getattr(state, name).shape == (batch,) and getattr(state, name).dtype == np.bool_, name
    obs = game.observe(state)
    assert obs.shape == (batch, *game.observation_shape), f"observation shape {obs.shape}"
    assert obs.dtype == np.float32, f"observation dtype {obs.dtype}"
    assert len(game.render(state, 0)) > 0


def _check_live_rows(game: Game, state: State) -> None:
    live = ~state.done
    assert state.legal_action_mask[live].any(axis=1).all(), "a live row has no legal action"
    assert not state.legal_action_mask[~live].any(), "a finished row has legal actions"
    obs = game.observe(state)
    assert obs.min() >= 0.0 and obs.max() <= 1.0, "observation outside [0, 1]"
    for symmetry in game.symmetries:
        mapped = symmetry.policy(state.legal_action_mask)
        assert mapped.sum() == state.legal_action_mask.sum(), f"symmetry {symmetry.name} loses legal actions"


def _check_transition(game: Game, old: State, new: State) -> None:
    moved = ~old.done
    assert (new.step_count[moved] == old.step_count[moved] + 1).all(), "step_count did not advance"
    finished_now = new.done & moved
    assert not new.rewards[~finished_now].any(), "non-zero reward before the end of a game"
    assert np.isin(new.rewards, (-1.0, 0.0, 1.0)).all(), "rewards outside {-1, 0, 1}"
    assert (new.rewards.sum(axis=1) == 0).all(), "rewards are not zero-sum"
    assert not new.legal_action_mask[new.done].any(), "finished rows must have an all-False mask"
    stayed = ~moved
    if stayed.any():
        _assert_same(old.take(stayed), _without_rewards(new, old).take(stayed), "finished rows changed")
    _check_shapes(game, new)


def _without_rewards(state: State, reference: State) -> State:
    # `state` with the reference's rewards, to compare everything else.
    arrays = dict(state.__dict__)
    arrays["rewards"] = reference.rewards
    return state._from_arrays(arrays)


def _assert_same(a: State, b: State, message: str) -> None:
    for name, value in a.__dict__.items():
        assert np.array_equal(value, b.__dict__[name]), f"{message} (field {name})"
