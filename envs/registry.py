"""The game registry: ids -> game factories, `make(id, **params)` and `available_games()`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from boardzoo.envs import breakthrough, connect_four, go, gomoku, hex, othello, tic_tac_toe
from boardzoo.envs.core import Game

_FACTORIES: dict[str, Callable[..., Game]] = {
    "breakthrough": breakthrough.make_game,
    "connect_four": connect_four.make_game,
    "go": go.make_game,
    "gomoku": gomoku.make_game,
    "hex": hex.make_game,
    "othello": othello.make_game,
    "tic_tac_toe": tic_tac_toe.make_game,
}


def available_games() -> tuple[str, ...]:
    """The registered game ids, sorted."""
    return tuple(sorted(_FACTORIES))


def game_parameters(game_id: str) -> dict[str, Any]:
    """The parameters a game accepts, with their defaults."""
    factory = _factory(game_id)
    return {name: p.default for name, p in inspect.signature(factory).parameters.items()}


def make(game_id: str, /, **params: Any) -> Game:
    """The game `game_id` with the given parameters (the rest take their defaults).

    Raises:
      ValueError: unknown id, unknown parameter, or a parameter value out of its range.
    """
    allowed = game_parameters(game_id)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise ValueError(f"{game_id}: unknown parameter(s) {unknown}; allowed: {sorted(allowed) or 'none'}")
    return _factory(game_id)(**params)


def _factory(game_id: str) -> Callable[..., Game]:
    if not isinstance(game_id, str) or game_id not in _FACTORIES:
        raise ValueError(f"unknown game id {game_id!r}; available: {', '.join(available_games())}")
    return _FACTORIES[game_id]
