"""Argument checks shared by the adapters: each error names the bad value and what is allowed."""

from __future__ import annotations

from typing import Any

import numpy as np

from boardzoo.envs.core import Game
from boardzoo.envs.registry import make

RENDER_MODES = ("ansi", "rgb_array")
ILLEGAL_ACTION_RULES = ("raise", "lose")


def resolve_game(game: Game | str, params: dict[str, Any]) -> Game:
    """`game` itself, or the registry's game of that id with the given parameters."""
    if isinstance(game, str):
        return make(game, **params)
    if params:
        raise ValueError(f"game parameters {sorted(params)} need a game id, but {game!r} is already made")
    return game


def check_render_mode(render_mode: Any) -> str | None:
    if render_mode is not None and render_mode not in RENDER_MODES:
        raise ValueError(f"render_mode {render_mode!r} is not supported; allowed: None, {RENDER_MODES}")
    return render_mode


def as_int_action(action: Any, num_actions: int) -> int:
    """One action as an int (a Python or numpy int, or a 0-d int array); range is checked later."""
    if isinstance(action, np.ndarray) and action.shape == ():
        action = action.item()
    if isinstance(action, bool | np.bool_) or not isinstance(action, int | np.integer):
        raise ValueError(f"action must be an int in 0..{num_actions - 1}, got {action!r} ({type(action).__name__})")
    return int(action)


def check_num_envs(num_envs: Any) -> int:
    if isinstance(num_envs, bool) or not isinstance(num_envs, int | np.integer) or num_envs < 1:
        raise ValueError(f"num_envs must be a positive int, got {num_envs!r}")
    return int(num_envs)


def check_batch_actions(actions: Any, num_envs: int, num_actions: int) -> np.ndarray:
    """int64[B] actions from an array-like; errors name the bad value and what is allowed."""
    array = np.asarray(actions)
    if array.dtype.kind not in "iu":
        raise ValueError(f"actions must be integers in 0..{num_actions - 1}, got dtype {array.dtype}")
    if array.shape != (num_envs,):
        raise ValueError(f"actions must have shape ({num_envs},), got {array.shape}")
    return array.astype(np.int64, copy=False)


def check_illegal_action_rule(rule: Any) -> str:
    if rule not in ILLEGAL_ACTION_RULES:
        raise ValueError(f"illegal_action must be one of {ILLEGAL_ACTION_RULES}, got {rule!r}")
    return rule


def check_learner_seat(learner_seat: Any, num_players: int) -> int | None:
    """Validate a learner seat: a player index, or None for a random seat per episode."""
    if learner_seat is None:
        return None
    if (
        isinstance(learner_seat, bool)
        or not isinstance(learner_seat, int | np.integer)
        or not (0 <= learner_seat < num_players)
    ):
        raise ValueError(f"learner_seat must be None (random) or an int in 0..{num_players - 1}, got {learner_seat!r}")
    return int(learner_seat)
