"""Argument checks shared by the adapters, in one place: each error names the bad value and what
is allowed.

The adapters raise what the kernel raises for bad input, `ValueError` (`IllegalActionError` is
one) and `TypeError`, plus what their API's contract mandates:

- `ResetNeeded` (a `RuntimeError` and a `gymnasium.error.ResetNeeded`): a Gymnasium, vector or
  SB3 env stepped before `reset()`, after its opponent failed (raised, or replied badly), or
  (single-agent env) after its episode ended;
  `RuntimeError`: SB3's `step_wait()` without a `step_async()` first;
- PettingZoo's order errors: `AssertionError` for `step`, `observe`, `render` and
  `agent_iter` before `reset()`, `AttributeError` for `agents`, `agent_selection` and `last()`
  before `reset()`;
- `AgentError` (a `ValueError` and a `KeyError`, as PettingZoo's dict lookups raise): an agent
  name that is not one of the env's, or `last()` once every agent is done and removed;
- `AttributeError`: SB3's `get_attr`/`env_method` of a name the env does not have.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import gymnasium
import numpy as np

from boardzoo.envs._checks import as_array, as_int64, check_int, describe, first_outside, is_int
from boardzoo.envs.core import Game, IllegalActionError
from boardzoo.envs.registry import make

RENDER_MODES = ("ansi", "rgb_array")
ILLEGAL_ACTION_RULES = ("raise", "lose")


class ResetNeeded(RuntimeError, gymnasium.error.ResetNeeded):
    """`step` before `reset()`, or after the episode ended (single-agent env)."""


class AgentError(ValueError, KeyError):
    """An agent name the AEC env does not have (or no longer has: every agent is done)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def resolve_game(game: Game | str, params: dict[str, Any]) -> Game:
    """`game` itself, or the registry's game of that id with the given parameters."""
    if isinstance(game, str):
        return make(game, **params)
    if not isinstance(game, Game):
        raise TypeError(f"game must be a Game or a registered game id (str), got {describe(game)}")
    if params:
        raise ValueError(f"game parameters {sorted(params)} need a game id, but {game!r} is already made")
    return game


def check_render_mode(render_mode: Any) -> str | None:
    if render_mode is not None and (not isinstance(render_mode, str) or render_mode not in RENDER_MODES):
        raise ValueError(f"render_mode {render_mode!r} is not supported; allowed: None, {RENDER_MODES}")
    return render_mode


def check_seed(seed: Any) -> int | None:
    """None, or a non-negative int (a numpy integer becomes a Python int)."""
    return None if seed is None else check_int("seed", seed, 0)


def check_vector_seed(seed: Any, num_envs: int) -> int | list[int] | None:
    """A vector env's seed: None, one int, or a list of one int per env (none None)."""
    if isinstance(seed, list | tuple):
        if len(seed) != num_envs:
            raise ValueError(f"seed as a list must hold one int per env ({num_envs}), got {len(seed)}: {seed!r}")
        return [check_int("seed", s, 0) for s in seed]
    return check_seed(seed)


def as_int_action(action: Any, num_actions: int) -> int:
    """One action: a Python or numpy int, or a 0-d int array, in 0..A-1."""
    if isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind in "iu":
        action = action.item()
    allowed = f"an int in 0..{num_actions - 1}"
    if not is_int(action):
        raise ValueError(f"action must be {allowed}, got {action!r} ({type(action).__name__})")
    if not 0 <= action < num_actions:
        raise IllegalActionError(f"action {action} is out of range 0..{num_actions - 1}; it must be {allowed}")
    return int(action)


def check_num_envs(num_envs: Any) -> int:
    if not is_int(num_envs) or num_envs < 1:
        raise ValueError(f"num_envs must be a positive int, got {num_envs!r}")
    return int(num_envs)


def check_batch_actions(actions: Any, num_envs: int, num_actions: int) -> np.ndarray:
    """int[B] actions of any integer dtype (the kernel reads them exactly and checks their
    range); a copy, so the caller may reuse its array."""
    array = as_array(actions, "actions")
    if array.dtype.kind not in "iu":
        raise ValueError(
            f"actions must be integers in 0..{num_actions - 1}, got dtype {array.dtype}: {describe(actions)}"
        )
    if array.shape != (num_envs,):
        raise ValueError(f"actions must have shape ({num_envs},), got {array.shape}: {describe(actions)}")
    return array.copy()


def check_illegal_action_rule(rule: Any) -> str:
    if not isinstance(rule, str) or rule not in ILLEGAL_ACTION_RULES:
        raise ValueError(f"illegal_action must be one of {ILLEGAL_ACTION_RULES}, got {rule!r}")
    return rule


def check_learner_seat(learner_seat: Any, num_players: int) -> int | None:
    """Validate a learner seat: a player index, or None for a random seat per episode."""
    if learner_seat is None:
        return None
    if not is_int(learner_seat) or not (0 <= learner_seat < num_players):
        raise ValueError(f"learner_seat must be None (random) or an int in 0..{num_players - 1}, got {learner_seat!r}")
    return int(learner_seat)


def check_agent(agent: Any, agents: Sequence[str]) -> str:
    """One of the env's agent names."""
    if not isinstance(agent, str) or agent not in agents:
        raise AgentError(f"unknown agent {agent!r}; the agents are {list(agents)}")
    return agent


def check_opponent_reply(reply: Any, rows: np.ndarray, num_actions: int, opponent: Any) -> np.ndarray:
    """The opponent's actions for the games in `rows` (int[K] batch rows): an integer array of
    shape (K,) in 0..A-1, as int64 (legality is checked by `Game.step` before anything is played)."""
    try:
        array = as_array(reply, "the reply")
        bad = array.dtype.kind not in "iu" or array.shape != rows.shape
    except ValueError:
        bad = True
    if bad:
        raise ValueError(
            f"opponent {opponent_name(opponent)} returned {describe(reply)}; an opponent must return "
            f"an integer array of shape {rows.shape} (64-bit), one legal action per game it is asked about"
        )
    actions = as_int64(array)
    bad = first_outside(actions, 0, num_actions)
    if bad >= 0:
        raise IllegalActionError(
            f"opponent {opponent_name(opponent)} played action {array[bad]} in row {rows[bad]}, "
            f"out of range 0..{num_actions - 1}"
        )
    return actions


def opponent_name(opponent: Any, limit: int = 100) -> str:
    text = repr(opponent)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_indices(indices: Any, num_envs: int) -> list[int]:
    """SB3's `indices`: None (all), one int, or ints, each in 0..B-1."""
    if indices is None:
        return list(range(num_envs))
    items = [indices] if is_int(indices) else indices
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
        raise ValueError(f"indices must be None, an int or a sequence of ints in 0..{num_envs - 1}, got {indices!r}")
    return [check_int("index", i, 0, num_envs - 1) for i in items]
