"""An opponent's replies are checked (dtype, shape, range, legality) before they are played, and
a bad one is an error naming the opponent, never cast: in the single-agent, vector and SB3 envs."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import IllegalActionError
from boardzoo.wrappers._checks import ResetNeeded
from boardzoo.wrappers.gymnasium import BoardGameEnv
from boardzoo.wrappers.sb3 import BoardGameVecEnv
from boardzoo.wrappers.vector import BoardGameVectorEnv


class Replies:
    """An opponent that answers `reply(state)`; its repr names it in errors."""

    def __init__(self, name, reply):
        self.name, self.reply = name, reply

    def __call__(self, state, rng):
        return self.reply(state)

    def __repr__(self):
        return f"<Replies {self.name}>"


def first_legal(state):
    return state.legal_action_mask.argmax(axis=1)


BAD_TYPES = [
    ("floats", lambda s: first_legal(s).astype(np.float64)),
    ("float 0.0", lambda s: np.zeros(s.batch_size)),
    ("bools", lambda s: np.ones(s.batch_size, dtype=bool)),
    ("strings", lambda s: np.array(["0"] * s.batch_size)),
    ("a Python float", lambda s: 0.0),
    ("None", lambda s: None),
    ("too many", lambda s: np.zeros(s.batch_size + 1, np.int64)),
    ("2-d", lambda s: first_legal(s)[:, None]),
    ("a 0-d int", lambda s: np.int64(0)),
    ("Python ints beyond 64 bits", lambda s: [2**70] * s.batch_size),
]
BAD_VALUES = [
    ("-1", lambda s: np.full(s.batch_size, -1), r"played action -1 in row \d+, out of range 0..8"),
    ("A", lambda s: np.full(s.batch_size, 9, np.uint8), r"played action 9 in row \d+, out of range 0..8"),
    (
        "huge uint64",
        lambda s: np.full(s.batch_size, 2**64 - 1, np.uint64),
        r"played action 18446744073709551615 in row 0",
    ),
    (
        "occupied",
        lambda s: np.full(s.batch_size, 4),
        r"played an illegal move: .*action 4 in row \d+ \(b2\) is illegal",
    ),
]


def envs_after_learner_plays_centre(opponent):
    """Each env after its reset, and a function playing the learner's centre move (4)."""
    single = BoardGameEnv("tic_tac_toe", opponent=opponent)
    vector = BoardGameVectorEnv("tic_tac_toe", 3, opponent=opponent)
    sb3 = BoardGameVecEnv("tic_tac_toe", 3, opponent=opponent, seed=0)
    single.reset(seed=0)
    vector.reset(seed=0)
    sb3.reset()
    return [
        ("single", lambda: single.step(4)),
        ("vector", lambda: vector.step(np.full(3, 4))),
        ("sb3", lambda: sb3.step(np.full(3, 4))),
    ]


@pytest.mark.parametrize(("name", "reply"), BAD_TYPES, ids=[n for n, _ in BAD_TYPES])
def test_replies_of_the_wrong_type_or_shape_are_refused_naming_the_opponent(name, reply):
    for env_name, step in envs_after_learner_plays_centre(Replies(name, reply)):
        with pytest.raises(ValueError, match=rf"opponent <Replies {name}> returned .*must return an integer array"):
            step()
        assert env_name


@pytest.mark.parametrize(("name", "reply", "message"), BAD_VALUES, ids=[n for n, *_ in BAD_VALUES])
def test_illegal_or_out_of_range_replies_are_refused_naming_the_opponent(name, reply, message):
    for _, step in envs_after_learner_plays_centre(Replies(name, reply)):
        with pytest.raises(IllegalActionError, match=rf"opponent <Replies {name}> {message}"):
            step()


def test_the_state_is_untouched_by_a_refused_reply():
    env = BoardGameEnv("tic_tac_toe", opponent=Replies("occupied", lambda s: np.full(s.batch_size, 4)))
    env.reset(seed=0)
    with pytest.raises(IllegalActionError):
        env.step(4)
    state = env._games.state
    assert state.board.sum() == 1 and state.current_player[0] == 1  # only the learner's stone


@pytest.mark.parametrize("dtype", ["int8", "uint8", ">i2", "int32", "uint64", ">i8"])
def test_integer_replies_of_any_dtype_are_played_exactly(dtype):
    opponent = Replies(dtype, lambda s: first_legal(s).astype(dtype))
    env = BoardGameEnv("tic_tac_toe", opponent=opponent)
    env.reset(seed=0)
    obs, *_ = env.step(4)
    assert obs[1, 0, 0] == 1  # the opponent took cell 0, the first legal one


def test_a_list_of_python_ints_and_an_object_with_act_work():
    class Act:
        def act(self, state, rng):
            return [int(a) for a in first_legal(state)]

    env = BoardGameVectorEnv("tic_tac_toe", 2, opponent=Act())
    env.reset(seed=0)
    obs, *_ = env.step(np.array([4, 8]))
    assert (obs[:, 1, 0, 0] == 1).all()


def test_an_object_with_act_is_named_by_its_repr():
    class Broken:
        def act(self, state, rng):
            return np.zeros(state.batch_size, np.float32)

        def __repr__(self):
            return "Broken()"

    env = BoardGameEnv("tic_tac_toe", opponent=Broken())
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"opponent Broken\(\) returned float32 array"):
        env.step(4)


def test_opening_moves_of_the_opponent_are_checked_too():
    # With the learner in seat 1, the opponent moves inside reset().
    for make_env in (
        lambda o: BoardGameEnv("tic_tac_toe", opponent=o, learner_seat=1),
        lambda o: BoardGameVectorEnv("tic_tac_toe", 2, opponent=o, learner_seat=1),
    ):
        env = make_env(Replies("bools", lambda s: np.ones(s.batch_size, bool)))
        with pytest.raises(ValueError, match="opponent <Replies bools> returned bool array"):
            env.reset(seed=0)


def test_after_an_opponent_fails_the_env_needs_a_reset():
    calls = {"n": 0}

    def flaky(state, rng):
        calls["n"] += 1
        return np.zeros(state.batch_size) if calls["n"] == 1 else first_legal(state)

    env = BoardGameEnv("tic_tac_toe", opponent=flaky)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="returned float64 array"):
        env.step(4)
    with pytest.raises(ResetNeeded, match="the opponent failed"):
        env.step(0)  # it would be played for the opponent's seat
    env.reset(seed=0)
    assert env.step(4)[0][1].sum() == 1
