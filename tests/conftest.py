"""Shared test parameters: every registered game, with small variants where sizes matter."""

from __future__ import annotations

import pytest
import torch

from boardzoo.envs import make

# pytest -n 2 runs two workers on two cores: one torch thread each, or tiny ops spin and wait
# on each other (milliseconds per convolution).
torch.set_num_threads(1)

# (game id, params): the registry's games plus the non-default shapes the tests must cover.
GAME_CASES = [
    ("tic_tac_toe", {}),
    ("connect_four", {}),
    ("connect_four", {"rows": 5, "columns": 8, "x_in_row": 3}),
    ("hex", {"board_size": 2}),
    ("hex", {"board_size": 5, "swap": True}),
    ("hex", {"board_size": 11}),
    ("gomoku", {}),
    ("gomoku", {"board_size": 7, "win_length": 4}),
    ("go", {"board_size": 5}),
    ("go", {"board_size": 9, "komi": 6.5}),
    ("othello", {}),
    ("othello", {"board_size": 4}),
    ("othello", {"board_size": 10}),
    ("breakthrough", {}),
    ("breakthrough", {"rows": 6, "columns": 5}),
]


def case_id(case: tuple[str, dict]) -> str:
    game_id, params = case
    return game_id + "".join(f"-{k}={v}" for k, v in params.items())


@pytest.fixture(params=GAME_CASES, ids=[case_id(c) for c in GAME_CASES])
def game(request):
    game_id, params = request.param
    return make(game_id, **params)
