"""Generated arguments to everything that builds a game or an env: `make`, `Game.init`,
`api_test`, `Game.action_name`, the registered Gymnasium and PettingZoo ids, and every adapter
given a `Game` object.

2. Values: ids, parameters, batch sizes, seeds, step limits, action numbers.
3. Contracts: no keyword turns a registered id into another game; game parameters next to a
   `Game` object are refused by every adapter.
"""

from __future__ import annotations

import gymnasium
import numpy as np
import pettingzoo
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from boardzoo.envs import api_test, game_parameters, make
from boardzoo.envs._registration import gymnasium_id, pettingzoo_id
from boardzoo.wrappers import aec_env, aec_raw_env
from boardzoo.wrappers.gymnasium import BoardGameEnv
from boardzoo.wrappers.sb3 import BoardGameVecEnv
from boardzoo.wrappers.vector import BoardGameVectorEnv

from ._inputs import GAMES, SCALARS, game_ids, handled, int_like, outcome

PARAMETER_NAMES = ["board_size", "rows", "columns", "x_in_row", "win_length", "swap", "komi", "max_game_length"]
FOREIGN_NAMES = ["game_id", "game", "id", "size", "num_envs", "opponent", "learner_seat", "illegal_action"]
VALUES = [3, 4, 5, 7, 0, -1, 2**70, 5.0, True, None, "5", "hex", float("nan"), np.int64(5), "random", 1]


@settings(max_examples=200, deadline=None)
@given(
    game_ids,
    st.dictionaries(st.sampled_from([*PARAMETER_NAMES, "game_id", "size"]), st.sampled_from(VALUES), max_size=2),
)
def test_2_make_builds_a_working_game_or_names_the_parameter(game_id, params):
    result, answer = outcome(lambda: make(game_id, **params))
    if result == "error":
        assert any(name in str(answer) for name in params), answer
        handled(2, f"make({game_id!r}) parameters {sorted(params)}")
        return
    assert set(params) <= set(game_parameters(game_id))
    state = answer.init(1)
    assert answer.observe(state).shape == (1, *answer.observation_shape)


@settings(max_examples=200, deadline=None)
@given(
    game_ids,
    st.sampled_from([*SCALARS, 2**31, 65]),
    st.sampled_from(["init", "action_name", "api_test seed", "api_test batch_size", "api_test max_steps", "make"]),
)
def test_2_scalars_of_init_action_name_api_test_and_make(game_id, value, use):
    game = GAMES[game_id]
    event(f"{use}: {type(value).__name__}")
    is_int = int_like(value)
    small = is_int and 1 <= value <= 64
    # A batch of 65..2**31 games would be valid but too big to build here: ask for -value instead.
    size = -value if is_int and 64 < value <= 2**31 else value
    call, accepted = {
        "init": (lambda: game.init(size), small),
        "action_name": (lambda: game.action_name(value), is_int and 0 <= value < game.num_actions),
        "api_test seed": (lambda: api_test(game, batch_size=2, seed=value), is_int and value >= 0),
        "api_test batch_size": (lambda: api_test(game, batch_size=size), small),
        "api_test max_steps": (
            lambda: api_test(game, batch_size=1, max_steps=value),
            value is None or small or (is_int and value > 64),
        ),
        "make": (lambda: make(value), False),
    }[use]
    result, answer = outcome(call, (ValueError, TypeError, AssertionError))
    if use == "api_test max_steps" and small:  # too few plies to finish: api_test's own AssertionError
        assert result == "ok" or isinstance(answer, AssertionError), answer
        return
    assert result == ("ok" if accepted else "error") and not isinstance(answer, AssertionError), f"{use}({value!r})"
    if result == "error":
        handled(2, f"{use}: {value!r}")
    assert isinstance(outcome(lambda: api_test(value, batch_size=1))[1], TypeError)


@settings(max_examples=200, deadline=None)
@given(
    game_ids,
    st.dictionaries(st.sampled_from(PARAMETER_NAMES + FOREIGN_NAMES), st.sampled_from(VALUES), min_size=1, max_size=3),
    st.sampled_from(["gymnasium.make", "gymnasium.make_vec", "pettingzoo.make"]),
)
@example("go", {"max_game_length": None}, "gymnasium.make")  # None: the documented default, 2·N²
def test_3_no_keyword_turns_a_registered_id_into_another_game(game_id, kwargs, how):
    event(f"{how}: {sorted(kwargs)}")
    kwargs = {k: v for k, v in kwargs.items() if not (how == "gymnasium.make_vec" and k == "num_envs")}
    make_env = {
        "gymnasium.make": lambda: gymnasium.make(gymnasium_id(game_id), **kwargs),
        "gymnasium.make_vec": lambda: gymnasium.make_vec(gymnasium_id(game_id), num_envs=2, **kwargs),
        "pettingzoo.make": lambda: pettingzoo.make("aec", pettingzoo_id(game_id), **kwargs),
    }[how]
    result, env = outcome(make_env)
    if result == "error":
        assert any(name in str(env) for name in kwargs), env
        handled(3, f"{how} with keywords {sorted(kwargs)}: refused")
        return
    game = env.unwrapped.game
    assert game.id == game_id
    params = {k: v for k, v in kwargs.items() if k in PARAMETER_NAMES}
    assert game.params == make(game_id, **params).params  # the game `make` builds from them
    # A value given is kept as given; None is a documented default, recorded resolved.
    assert all(game.params[k] == v for k, v in params.items() if v is not None)
    handled(3, f"{how} with keywords {sorted(kwargs)}: the same game")


@settings(max_examples=150, deadline=None)
@given(
    game_ids,
    st.dictionaries(
        st.sampled_from([*PARAMETER_NAMES, "size", "game_id"]), st.sampled_from(VALUES), min_size=1, max_size=2
    ),
    st.sampled_from(["BoardGameEnv", "BoardGameVectorEnv", "BoardGameVecEnv", "aec_raw_env", "aec_env"]),
)
def test_3_a_game_object_takes_no_game_parameters_in_any_adapter(game_id, params, adapter):
    game = GAMES[game_id]
    build = {
        "BoardGameEnv": lambda: BoardGameEnv(game, **params),
        "BoardGameVectorEnv": lambda: BoardGameVectorEnv(game, 2, **params),
        "BoardGameVecEnv": lambda: BoardGameVecEnv(game, 2, **params),
        "aec_raw_env": lambda: aec_raw_env(game, **params),
        "aec_env": lambda: aec_env(game, **params),
    }[adapter]
    result, error = outcome(build)
    assert result == "error" and "need a game id" in str(error) and str(sorted(params)) in str(error), error
    handled(3, f"{adapter}(Game, {sorted(params)})")
