"""Rules oracle: 2,000 random games per case played move by move in lockstep with OpenSpiel
(see `oracle.play_lockstep`)."""

from __future__ import annotations

import pytest

from boardzoo.envs import make

from .oracle import play_lockstep

pyspiel = pytest.importorskip("pyspiel")

NUM_GAMES = 2000

# (our id, our params, OpenSpiel id, its params, whether random play must produce draws).
# Othello, Breakthrough and Go have their own lockstep tests (board checks, capture-biased
# play, the superko difference).
CASES = [
    ("tic_tac_toe", {}, "tic_tac_toe", {}, True),
    ("connect_four", {}, "connect_four", {}, True),
    (
        "connect_four",
        {"rows": 5, "columns": 8, "x_in_row": 3},
        "connect_four",
        {"rows": 5, "columns": 8, "x_in_row": 3},
        False,
    ),
    ("hex", {"board_size": 2}, "hex", {"board_size": 2}, False),
    ("hex", {"board_size": 5}, "hex", {"board_size": 5}, False),
    ("hex", {"board_size": 7}, "hex", {"board_size": 7}, False),
    ("hex", {"board_size": 11}, "hex", {"board_size": 11}, False),
    ("hex", {"board_size": 5, "swap": True}, "hex", {"board_size": 5, "swap": True}, False),
    ("gomoku", {}, "gomoku", {"size": 15, "connect": 5}, False),
    ("gomoku", {"board_size": 9, "win_length": 4}, "gomoku", {"size": 9, "connect": 4}, False),
    ("gomoku", {"board_size": 5, "win_length": 5}, "gomoku", {"size": 5, "connect": 5}, True),
    ("gomoku", {"board_size": 5, "win_length": 3}, "gomoku", {"size": 5, "connect": 3}, False),
]


@pytest.mark.parametrize(
    ("game_id", "params", "spiel_name", "spiel_params", "draws"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_random_games_agree_with_openspiel(game_id, params, spiel_name, spiel_params, draws):
    game = make(game_id, **params)
    _, outcomes = play_lockstep(game, pyspiel.load_game(spiel_name, spiel_params), NUM_GAMES, seed=7)
    assert sum(outcomes.values()) == NUM_GAMES
    # Random play reaches every kind of ending (draws only where they are common).
    assert outcomes["first_wins"] > 0 and outcomes["second_wins"] > 0
    if draws:
        assert outcomes["draws"] > 0
