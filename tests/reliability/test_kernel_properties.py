"""Generated inputs against every public kernel function, on all games (small boards).

Each call either behaves exactly as a reference call with plain, valid arguments does (a valid
action of any integer dtype advances the game as the same actions in int64 do), or raises one
of the documented errors (`ValueError`, `IllegalActionError` among them, or `TypeError`) with a
message naming the value; the state passed in is never changed by a refused call. Any other
exception (AttributeError, KeyError, IndexError, OverflowError, numba's errors) fails the test.

1. A state belongs to its game: foreign, hand-built and non-state objects, malformed fields.
2. Values are checked, never coerced: actions, row selections, rows, players, flags, masks,
   generators, keys and counters (batch sizes, ids, parameters: test_construction_properties).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from boardzoo.envs import (
    IllegalActionError,
    State,
    reset_finished,
    sample_legal_actions,
    sample_legal_actions_keyed,
)
from boardzoo.envs.core import describe_owner

from ._inputs import (
    INTEGER_DTYPES,
    SCALARS,
    action_values,
    bad_arrays,
    fits,
    foreign_states,
    handled,
    int_like,
    integer_arrays,
    malformed_fields,
    outcome,
    positions,
    replace,
    same_state,
)

SETTINGS = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


STATE_METHODS = {
    "step": lambda g, s, b: g.step(s, np.zeros(b, np.int64)),
    "observe": lambda g, s, b: g.observe(s),
    "observe(player=0)": lambda g, s, b: g.observe(s, 0),
    "render": lambda g, s, b: g.render(s, 0),
    "legal_actions": lambda g, s, b: g.legal_actions(s, 0),
    "resign": lambda g, s, b: g.resign(s, np.zeros(b, bool)),
    "check_state": lambda g, s, b: g.check_state(s),
    "reset_finished": lambda g, s, b: reset_finished(g, s),
}
TEMPLATE_METHODS = {
    "replace_rows(template=)": lambda g, own, other: own.replace_rows(np.zeros(own.batch_size, bool), other),
    "reset_finished(template=)": lambda g, own, other: reset_finished(g, own, other),
    "State.stack": lambda g, own, other: type(own).stack([own, other]),
}


@SETTINGS
@given(st.data())
def test_1_foreign_and_non_states_are_refused_naming_both(data):
    game, state = data.draw(positions())
    kind, foreign = data.draw(foreign_states(game, state))
    name = data.draw(st.sampled_from(sorted(STATE_METHODS) + sorted(TEMPLATE_METHODS)))
    assume(not (foreign is None and name == "reset_finished(template=)"))  # None: the default
    event(f"method: {name}")
    before = state.copy()
    if name in STATE_METHODS:
        batch = foreign.batch_size if hasattr(foreign, "batch_size") else 1
        result, error = outcome(lambda: STATE_METHODS[name](game, foreign, batch))
    else:
        result, error = outcome(lambda: TEMPLATE_METHODS[name](game, state, foreign))
    assert result == "error", f"{name} accepted a foreign state ({kind})"
    handled(1, f"{kind} given to {name}")
    message = str(error)
    if isinstance(foreign, State):  # its owner (or "no game") is named
        owner = type(foreign)._owner
        assert (describe_owner(owner) if owner else "no game") in message, message
    else:  # not a State: what it is is named
        named = "array" if isinstance(foreign, np.ndarray) else type(foreign).__name__
        assert isinstance(error, TypeError) and named in message, message
    if name in STATE_METHODS and name != "reset_finished":
        assert repr(game) in message, message
    assert same_state(state, before)


@SETTINGS
@given(st.data())
def test_1_malformed_states_cannot_be_built(data):
    _, state = data.draw(positions())
    kind, changes = data.draw(malformed_fields(state))
    result, error = outcome(lambda: replace(state, changes))
    assert result == "error" and isinstance(error, ValueError), kind
    handled(1, f"state built with a malformed field ({kind})")
    assert f"field {next(iter(changes))!r}" in str(error)


@SETTINGS
@given(st.data())
def test_1_own_states_stay_usable_through_take_copy_replace_rows_stack(data):
    game, state = data.draw(positions())
    rows = np.array(data.draw(st.lists(st.integers(0, state.batch_size - 1), min_size=1, max_size=5)))
    derived = data.draw(st.sampled_from(["take", "copy", "replace_rows", "stack", "step"]))
    event(f"derived by: {derived}")
    other = {
        "take": lambda: state.take(rows),
        "copy": lambda: state.copy(),
        "replace_rows": lambda: state.replace_rows(rows, game.init(1)),
        "stack": lambda: type(state).stack([state, state.take(rows)]),
        "step": lambda: game.step(state, sample_legal_actions(state.legal_action_mask, np.random.default_rng(0))),
    }[derived]()
    game.check_state(other)
    assert game.observe(other).shape == (other.batch_size, *game.observation_shape)
    assert game.render(other, other.batch_size - 1)


@st.composite
def where_masks(draw: Any, batch: int) -> tuple[str, Any]:
    kind = draw(st.sampled_from(["none", "bools", "bools", "list of bools", "ints", "wrong length", "float"]))
    event(f"where: {kind}")
    mask = draw(st.lists(st.booleans(), min_size=batch, max_size=batch))
    return kind, {
        "none": None,
        "bools": np.array(mask),
        "list of bools": mask,
        "ints": np.array(mask, dtype=np.int8),
        "wrong length": np.array([*mask, True]),
        "float": np.array(mask, dtype=float),
    }[kind]


@SETTINGS
@given(st.data())
def test_2_actions_of_any_dtype_work_exactly_or_are_refused(data):
    game, state = data.draw(positions())
    values = data.draw(action_values(game, state))
    if data.draw(st.booleans()):
        (action, good), action_kind = data.draw(integer_arrays(values)), "integers"
    else:
        (action_kind, action), good = data.draw(bad_arrays(values)), False
    where_kind, where = data.draw(where_masks(state.batch_size))
    in_place = data.draw(st.sampled_from([False, False, True, 1, "yes", None]))
    event(f"in_place: {in_place!r}")
    subject, before = state.copy(), state.copy()
    result, answer = outcome(lambda: game.step(subject, action, where=where, in_place=in_place))
    flags_ok = (in_place is True or in_place is False) and where_kind in ("none", "bools", "list of bools")
    if not (good and flags_ok):
        assert result == "error", f"accepted {action!r} where={where!r} in_place={in_place!r}"
        bad = f"action: {action_kind}" if action_kind != "integers" or not good else None
        bad = bad or (f"where: {where_kind}" if where_kind not in ("none", "bools", "list of bools") else None)
        handled(2, bad or f"in_place={in_place!r}")
        assert same_state(subject, before), "a refused step changed the state"
        return
    moving = ~state.done & (np.ones(state.batch_size, bool) if where is None else np.asarray(where))
    legal = [0 <= v < game.num_actions and state.legal_action_mask[b, v] for b, v in enumerate(values)]
    if not all(ok for ok, move in zip(legal, moving, strict=True) if move):
        assert isinstance(answer, IllegalActionError), answer
        handled(2, "action out of range or illegal (any integer dtype)")
        first = next(b for b, (ok, move) in enumerate(zip(legal, moving, strict=True)) if move and not ok)
        assert f"action {values[first]} in row {first}" in str(answer)
        assert same_state(subject, before), "a refused step changed the state"
        return
    plain = np.array([v if move else 0 for v, move in zip(values, moving, strict=True)], dtype=np.int64)
    reference = game.step(state, plain, where=None if where is None else np.asarray(where))
    assert result == "ok" and same_state(answer, reference)
    assert (answer is subject) == in_place and (in_place or same_state(subject, before))


@st.composite
def row_selections(draw: Any, batch: int) -> tuple[Any, Any]:
    """(rows as given, the int64 or bool index it means or None when it must be refused, kind)."""
    kind = draw(st.sampled_from(["indices", "indices", "mask", "out of range", "negative", "list", "bad"]))
    event(f"rows: {kind}")
    indices = draw(st.lists(st.integers(0, batch - 1), min_size=0, max_size=6))
    if kind in ("indices", "out of range", "negative"):
        if kind == "out of range":
            indices = [*indices, draw(st.sampled_from([batch, batch + 5, 2**40, 2**63 - 1]))]
        if kind == "negative":
            indices = [*indices, draw(st.sampled_from([-1, -batch, -(2**40)]))]
        dtype = draw(st.sampled_from([d for d in INTEGER_DTYPES if fits(d, indices)]))
        meaning = np.array(indices, dtype=np.int64) if kind == "indices" else None
        return np.array(indices, dtype=dtype), meaning, f"{kind} ({dtype.str})"
    if kind == "mask":
        mask = draw(st.lists(st.booleans(), min_size=batch, max_size=batch + 1))
        return np.array(mask), (np.array(mask) if len(mask) == batch else None), "bool mask of another length"
    if kind == "list":
        return indices, np.array(indices, dtype=np.int64), kind
    bad_kind, bad = draw(bad_arrays(indices or [0], exclude=("bool array", "bools in a list", "empty", "too long")))
    return bad, None, bad_kind


@SETTINGS
@given(st.data())
def test_2_row_selections_take_exactly_those_rows_or_are_refused(data):
    game, state = data.draw(positions())
    rows, meaning, kind = data.draw(row_selections(state.batch_size))
    use = data.draw(st.sampled_from(["take", "replace_rows"]))
    before = state.copy()
    template = game.init(1)
    call = (lambda: state.take(rows)) if use == "take" else (lambda: state.replace_rows(rows, template))
    result, answer = outcome(call)
    assert same_state(state, before)
    if meaning is None:
        assert result == "error" and isinstance(answer, ValueError), f"{use} accepted {rows!r}"
        handled(2, f"rows given to {use}: {kind}")
        return
    assert result == "ok", answer
    if use == "take":
        for name, value in state.__dict__.items():
            np.testing.assert_array_equal(answer.__dict__[name], value[meaning])
    else:
        for name, value in state.__dict__.items():
            expected = value.copy()
            expected[meaning] = template.__dict__[name][0]
            np.testing.assert_array_equal(answer.__dict__[name], expected)


@SETTINGS
@given(st.data())
def test_2_rows_players_and_flags_are_checked(data):
    game, state = data.draw(positions())
    value = data.draw(st.sampled_from(SCALARS))
    use = data.draw(
        st.sampled_from(["render", "legal_actions", "observe", "observe(array)", "resign", "reset_finished"])
    )
    event(f"scalar to {use}: {type(value).__name__}")
    batch = state.batch_size
    is_int = int_like(value)
    if use in ("render", "legal_actions"):
        result, answer = outcome(lambda: getattr(game, use)(state, value))
        if not (is_int and 0 <= value < batch):
            assert result == "error", f"{use} accepted row {value!r}"
            handled(2, f"row given to {use}: {value!r}")
        elif use == "legal_actions":
            assert answer == np.flatnonzero(state.legal_action_mask[int(value)]).tolist()
        return
    if use.startswith("observe"):
        good = (is_int and value in (0, 1)) or (value == [0] and batch == 1)  # [0]: one player per row
        if use == "observe(array)":  # one player per row, of any integer dtype
            player = np.full(batch, value, dtype=object)
            if good:
                player = player.astype(data.draw(st.sampled_from(INTEGER_DTYPES)))
        else:
            player, good = value, good or value is None
        result, answer = outcome(lambda: game.observe(state, player))
        if not good:
            assert result == "error", f"observe accepted player {player!r}"
            handled(2, f"player given to {use}: {value!r}")
            return
        seen = state.current_player if value is None else np.full(batch, np.ravel(value)[0], np.int32)
        np.testing.assert_array_equal(answer, game.observe_fn(state, seen))
        return
    before = state.copy()
    call = (
        (lambda: game.resign(state, np.ones(batch, bool), in_place=value))
        if use == "resign"
        else (lambda: reset_finished(game, state, in_place=value))
    )
    result, answer = outcome(call)
    if value is True or value is False:
        assert result == "ok"
    else:
        assert result == "error" and same_state(state, before), f"{use} accepted in_place={value!r}"
        handled(2, f"in_place given to {use}: {value!r}")


@st.composite
def masks(draw: Any) -> tuple[Any, bool]:
    """(a mask as given, whether it must be accepted)."""
    rows, actions = draw(st.integers(0, 4)), draw(st.integers(0, 9))
    bits = np.array(draw(st.lists(st.booleans(), min_size=rows * actions, max_size=rows * actions)), dtype=bool)
    bits = bits.reshape(rows, actions)
    kind = draw(st.sampled_from(["bool", "bool", "0/1 ints", "other ints", "floats", "1-d", "3-d", "list"]))
    event(f"mask: {kind}")
    if kind == "0/1 ints":
        return bits.astype(draw(st.sampled_from(INTEGER_DTYPES))), actions > 0
    if kind == "other ints":
        return np.where(bits, 1, draw(st.sampled_from([2, -1, 255]))).astype(np.int64), actions > 0 and bits.all()
    return {
        "bool": (bits, actions > 0),
        "floats": (bits.astype(float), False),
        "1-d": (bits.reshape(-1), False),
        "3-d": (bits[None], False),
        "list": (bits.tolist(), actions > 0 and rows > 0),
    }[kind]


RNGS = {
    "Generator": lambda: np.random.default_rng(0),
    "None": lambda: None,
    "RandomState": lambda: np.random.RandomState(0),
    "int": lambda: 0,
    "module": lambda: np.random,
}


@SETTINGS
@given(st.data())
def test_2_samplers_draw_only_legal_actions_or_refuse(data):
    mask, accepted = data.draw(masks())
    keyed = data.draw(st.booleans())
    if keyed:
        rows = np.shape(mask)[0] if np.ndim(mask) else 0
        keys_kind = data.draw(st.sampled_from(["uint64", "int64", ">u8", "negative", "floats", "short"]))
        counter = data.draw(st.sampled_from([0, 7, 2**63 - 1, -1, 2**64, 1.0, True, None]))
        event(f"keys: {keys_kind}; counter: {type(counter).__name__}")
        keys = {
            "uint64": np.arange(rows, dtype=np.uint64),
            "int64": np.arange(rows, dtype=np.int64),
            ">u8": np.arange(rows, dtype=">u8"),
            "negative": -np.arange(1, rows + 1),
            "floats": np.arange(rows, dtype=float),
            "short": np.arange(rows + 1, dtype=np.uint64),
        }[keys_kind]
        good_keys = keys_kind in ("uint64", "int64", ">u8") or (keys_kind == "negative" and rows == 0)
        good_counter = isinstance(counter, int) and not isinstance(counter, bool) and 0 <= counter < 2**63
        accepted = accepted and good_keys and good_counter
        result, answer = outcome(lambda: sample_legal_actions_keyed(mask, keys, counter))
    else:
        rng_kind = data.draw(st.sampled_from(sorted(RNGS)))
        event(f"rng: {rng_kind}")
        accepted = accepted and rng_kind == "Generator"
        result, answer = outcome(lambda: sample_legal_actions(mask, RNGS[rng_kind]()))
    if not accepted:
        assert result == "error", "a sampler accepted a bad mask, rng, keys or counter"
        handled(2, "sampler: " + ("keys/counter/mask" if keyed else "rng/mask"))
        return
    legal = np.asarray(mask).astype(bool)
    for row, action in enumerate(answer):
        assert (action == -1) if not legal[row].any() else legal[row, action]
