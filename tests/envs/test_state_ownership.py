"""A state belongs to the game (id, version, parameters) that made it; values are checked, never
coerced. The generated-input versions of these checks are in tests/reliability."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError, make, reset_finished, sample_legal_actions, sample_legal_actions_keyed
from boardzoo.envs.connect_four import ConnectFourState
from boardzoo.envs.othello import from_cells


def test_a_state_of_another_game_or_size_is_refused_naming_both():
    connect_four, hex_5 = make("connect_four"), make("hex", board_size=5)
    foreign = hex_5.init(7)  # 7 rows, hex 5x5 has 25 actions: nothing lines up by accident
    for call in (
        lambda: connect_four.step(foreign, np.zeros(7, np.int64)),
        lambda: connect_four.observe(foreign),
        lambda: connect_four.render(foreign),
        lambda: connect_four.legal_actions(foreign),
        lambda: connect_four.resign(foreign, np.ones(7, bool)),
        lambda: reset_finished(connect_four, foreign),
    ):
        with pytest.raises(
            ValueError, match=r"belongs to Game\('hex', board_size=5, swap=False\), not to Game\('connect"
        ):
            call()
    smaller = make("connect_four", rows=5)
    with pytest.raises(ValueError, match=r"belongs to Game\('connect_four', rows=6, columns=7, x_in_row=4\)"):
        smaller.step(connect_four.init(1), np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="x_in_row=3"):  # same arrays, other rules: still refused
        connect_four.step(make("connect_four", x_in_row=3).init(1), np.zeros(1, np.int64))


@pytest.mark.parametrize("thing", [{}, None, np.zeros((1, 7)), "state", 3])
def test_a_non_state_is_a_type_error_naming_it(thing):
    with pytest.raises(TypeError, match=r"Game\('connect_four'.*needs a State made by its init\(\), got"):
        make("connect_four").step(thing, np.zeros(1, np.int64))


def test_equal_games_share_their_states():
    a, b = make("hex", board_size=5), make("hex", board_size=5)
    state = b.step(a.init(2), np.array([0, 1]))
    assert type(state) is type(a.init(1)) and a.legal_actions(state, 1)[0] == 0


def test_hand_built_and_reshaped_states_are_refused():
    game = make("connect_four")
    state = game.init(2)
    hand_built = ConnectFourState(**state.__dict__)  # the game's class, but no owner
    with pytest.raises(ValueError, match=r"belongs to no game \(a hand-built ConnectFourState\)"):
        game.observe(hand_built)
    with pytest.raises(ValueError, match=r"field 'board' .* must be a int8 array of shape \(2, 6, 7\), got"):
        dataclasses.replace(state, board=np.zeros((2, 5, 7), np.int8))
    with pytest.raises(ValueError, match="field 'heights'"):
        dataclasses.replace(state, heights=np.zeros((2, 7), np.int64))
    with pytest.raises(ValueError, match="field 'terminated'"):
        dataclasses.replace(state, terminated=np.zeros(3, bool))  # another batch size


def test_take_copy_replace_rows_stack_pickle_keep_the_owner():
    game = make("othello", board_size=6)
    state = game.step(game.init(3), np.array([8, 13, 22]))
    kept = [
        state.copy(),
        state.take(np.array([2, 0])),
        state.take(np.array([True, False, True])),
        state.replace_rows(np.array([True, False, False]), game.init(1)),
        type(state).stack([state, state.take(np.array([1]))]),
        pickle.loads(pickle.dumps(state)),
        copy.deepcopy(state),
    ]
    for other in kept:
        assert type(other) is type(state)
        game.observe(other)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(state)).board, state.board)


def test_row_selections_are_checked():
    state = make("tic_tac_toe").init(3)
    for bad, message in [
        (np.array([3]), r"row indices in 0..2, got 3"),
        (np.array([-1]), r"row indices in 0..2, got -1"),
        (np.array([0.0]), "1-d integer array of row indices or a bool mask"),
        (np.array([True, False]), r"bool mask must have shape \(3,\)"),
        (1, "1-d integer array"),
        (np.array([[0]]), "1-d integer array"),
    ]:
        with pytest.raises(ValueError, match=message):
            state.take(bad)
    with pytest.raises(ValueError, match="template belongs to"):
        state.replace_rows(np.array([0]), make("connect_four").init(1))
    with pytest.raises(ValueError, match="batch size 1"):
        state.replace_rows(np.array([0]), state)
    with pytest.raises(ValueError, match="in_place must be True or False"):
        state.replace_rows(np.array([0]), make("tic_tac_toe").init(1), in_place="yes")
    assert state.take(np.array([2, 0], dtype=">u2")).batch_size == 2  # any integer dtype


def test_othello_from_cells_belongs_to_the_game_of_its_size():
    cells = np.zeros((1, 4, 4), np.int8)
    cells[0, 1, 1] = cells[0, 2, 2] = 2
    cells[0, 1, 2] = cells[0, 2, 1] = 1
    state = from_cells(cells, np.array([0]))
    make("othello", board_size=4).observe(state)
    with pytest.raises(ValueError, match="board_size=4"):
        make("othello").observe(state)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", ">i2", "uint16", "int32", ">u4", "int64", ">i8", "uint64"])
def test_actions_of_any_integer_dtype_and_byte_order_are_read_exactly(dtype):
    game = make("connect_four")
    reference = game.step(game.init(2), np.array([3, 5]))
    state = game.step(game.init(2), np.array([3, 5], dtype=dtype))
    np.testing.assert_array_equal(state.board, reference.board)
    with pytest.raises(IllegalActionError, match="action 7 in row 1 is out of range"):
        game.step(game.init(2), np.array([3, 7], dtype=dtype))


def test_huge_and_wrapping_actions_are_out_of_range_not_wrapped():
    game = make("connect_four")
    with pytest.raises(IllegalActionError, match="action 18446744073709551615 in row 0 is out of range"):
        game.step(game.init(1), np.array([2**64 - 1], dtype=np.uint64))
    with pytest.raises(
        ValueError, match=r"action must hold integers of one 64-bit type .*, got 1180591620717411303424 at position 0"
    ):
        game.step(game.init(1), [2**70])
    with pytest.raises(IllegalActionError, match="action 9223372036854775808 in row 0 is out of range"):
        game.step(game.init(1), [2**63])  # numpy reads it as uint64


def test_scalar_arguments_are_checked():
    game = make("connect_four")
    state = game.init(2)
    with pytest.raises(ValueError, match=r"row 2 is out of range for a batch of 2"):
        game.render(state, 2)
    for bad in (0.5, True, "0", None):
        with pytest.raises(ValueError, match="row must be an int in 0..1"):
            game.legal_actions(state, bad)
    with pytest.raises(ValueError, match="in_place must be True or False"):
        game.step(state, np.zeros(2, np.int64), in_place=1)
    with pytest.raises(ValueError, match="where must be a bool array"):
        game.step(state, np.zeros(2, np.int64), where=np.array([1, 0]))
    with pytest.raises(ValueError, match="connect_four: action must be an int in 0..6, got int 7"):
        game.action_name(7)
    with pytest.raises(ValueError, match="batch_size must be a positive int, got True"):
        game.init(True)
    with pytest.raises(ValueError, match="unknown game id 5"):
        make(5)


def test_samplers_check_the_mask_the_rng_and_the_keys():
    mask = np.array([[0, 1, 1], [1, 0, 0]], dtype=np.int8)  # PettingZoo's int8 masks are read exactly
    actions = sample_legal_actions(mask, np.random.default_rng(0))
    assert actions[0] in (1, 2) and actions[1] == 0
    with pytest.raises(ValueError, match=r"only 0 and 1, got 2 at \[0, 1\]"):
        sample_legal_actions(np.array([[0, 2]]), np.random.default_rng(0))
    with pytest.raises(ValueError, match="mask must be a bool array"):
        sample_legal_actions(np.array([[0.0, 1.0]]), np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"mask must have shape \(B, A\) with A >= 1"):
        sample_legal_actions(np.ones((2, 0), bool), np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        sample_legal_actions(np.ones((1, 3), bool), None)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        sample_legal_actions(np.ones((1, 3), bool), np.random.RandomState(0))
    keyed = sample_legal_actions_keyed(np.ones((2, 3), bool), np.array([5, 6], np.int64), 0)
    assert keyed.shape == (2,)
    with pytest.raises(ValueError, match="keys must be non-negative"):
        sample_legal_actions_keyed(np.ones((1, 3), bool), np.array([-1]), 0)
    with pytest.raises(ValueError, match="counter must be an int in 0.."):
        sample_legal_actions_keyed(np.ones((1, 3), bool), np.array([1], np.uint64), 2**64)


def test_a_pickled_state_belongs_to_its_game_in_a_fresh_process(tmp_path):
    game = make("hex", board_size=5, swap=True)
    path = tmp_path / "state.pkl"
    path.write_bytes(pickle.dumps(game.step(game.init(2), np.array([3, 4]))))
    code = f"""
import pickle
import subprocess
import sys
from boardzoo.envs import make
state = pickle.loads(open({str(path)!r}, "rb").read())
assert make("hex", board_size=5, swap=True).legal_actions(state, 1)[:5] == [0, 1, 2, 3, 5]
try:
    make("hex", board_size=5).observe(state)
except ValueError as error:
    assert "swap=True" in str(error)
else:
    raise AssertionError("accepted")
"""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
