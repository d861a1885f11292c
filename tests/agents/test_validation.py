"""Every config refuses bad values where it is built, naming the field, the value and what is
allowed; nothing is coerced."""

from __future__ import annotations

import math

import pytest

from boardzoo.agents.evaluation import ArenaConfig, CompareConfig
from boardzoo.agents.models import NetworkConfig
from boardzoo.agents.search import GumbelConfig, SearchConfig
from boardzoo.agents.training import BCConfig, EvaluationConfig, PPOConfig, TrainConfig
from boardzoo.agents.training.expert_iteration import LearnerConfig, SelfPlayConfig
from boardzoo.agents.validation import check_int, check_number

BAD = [
    (SearchConfig, "simulations", 0),
    (SearchConfig, "simulations", 2.0),
    (SearchConfig, "simulations", True),
    (SearchConfig, "exploration", math.nan),
    (SearchConfig, "dirichlet_fraction", 1.5),
    (GumbelConfig, "c_scale", -math.inf),
    (GumbelConfig, "max_considered_actions", -1),
    (NetworkConfig, "channels", 0),
    (NetworkConfig, "blocks", -1),
    (NetworkConfig, "global_pool", 1),
    (SelfPlayConfig, "full_search_fraction", 0.0),
    (SelfPlayConfig, "cheap_simulations", "8"),
    (LearnerConfig, "learning_rate", math.inf),
    (LearnerConfig, "q_ratio", -0.1),
    (EvaluationConfig, "games", 0),
    (EvaluationConfig, "ladder", ("random", "uct:0")),
    (TrainConfig, "minutes", math.nan),
    (TrainConfig, "steps", 0),
    (TrainConfig, "reuse", 0.0),
    (TrainConfig, "threads", -1),
    (TrainConfig, "game", "chess"),
    (TrainConfig, "actors", 0),
    (TrainConfig, "ray", ""),
    (PPOConfig, "gamma", 1.5),
    (PPOConfig, "num_envs", 0),
    (BCConfig, "expert", "oracle"),
    (BCConfig, "value_weight", -1.0),
    (CompareConfig, "fractions", (0.0, 1.0)),
    (CompareConfig, "ladder", ("uct:x",)),
    (CompareConfig, "ray", " "),
    (ArenaConfig, "players", ("random",)),
    (ArenaConfig, "games", -1),
    (ArenaConfig, "ray", 5),
]


@pytest.mark.parametrize(("config_class", "field", "value"), BAD, ids=[f"{c.__name__}.{f}={v!r}" for c, f, v in BAD])
def test_a_bad_field_is_refused_with_a_message_naming_it(config_class, field, value):
    with pytest.raises(ValueError) as error:
        config_class(**{field: value})
    message = str(error.value)
    assert field in message or str(value) in message, message


def test_the_checks_accept_what_they_promise_and_name_the_interval():
    check_int("n", 3)
    check_number("x", 0.5, low=0, high=1)
    check_number("x", None, optional=True)
    with pytest.raises(ValueError, match=r"x must be a number in \(0, 1\], got 0"):
        check_number("x", 0, low=0, high=1, low_open=True)
    with pytest.raises(ValueError, match=r"n must be an int >= 0, got -1"):
        check_int("n", -1, minimum=0)
