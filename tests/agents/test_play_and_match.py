"""Matches alternate seats and score from player A's view; the terminal game takes typed moves."""

from __future__ import annotations

import io

import numpy as np
import pytest

from boardzoo.agents.cli.play import parse_move, play_in_terminal
from boardzoo.agents.players import RandomPlayer
from boardzoo.agents.players.match import play_match
from boardzoo.envs import State, make

from .minimax import MinimaxPlayer


class FirstLegal:
    """Plays the lowest legal action (deterministic)."""

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray:
        return np.where(state.done, -1, state.legal_action_mask.argmax(axis=1)).astype(np.int64)


def test_seats_alternate_and_outcomes_are_from_player_a_view():
    game = make("tic_tac_toe")
    # Both play the lowest legal cell, so the first player completes the top row a1-b1-c1 on ply 7.
    result = play_match(game, FirstLegal(), FirstLegal(), 6, np.random.default_rng(0))
    np.testing.assert_array_equal(result.seat_a, [0, 1, 0, 1, 0, 1])
    np.testing.assert_array_equal(result.outcome, [1, -1, 1, -1, 1, -1])
    assert result.score == 0.5 and result.wins == 3 and result.losses == 3
    assert np.all(result.plies == 7)


def test_perfect_play_draws_itself_and_never_loses_to_random():
    game = make("tic_tac_toe")
    rng = np.random.default_rng(0)
    draws = play_match(game, MinimaxPlayer(), MinimaxPlayer(), 10, rng)
    assert draws.draws == 10 and draws.score == 0.5
    versus_random = play_match(game, MinimaxPlayer(), RandomPlayer(), 50, rng, batch_size=16)
    assert versus_random.losses == 0 and versus_random.wins > 30


def test_terminal_play_rejects_bad_moves_and_finishes_the_game():
    game = make("tic_tac_toe")
    typed = io.StringIO("\n".join(["zz", "9", "0", "1", "2", "3", "4", "5", "6", "7", "8"]) + "\n")
    shown = io.StringIO()
    total = play_in_terminal(game, FirstLegal(), human_seat=1, rng=np.random.default_rng(0), read=typed, write=shown)
    text = shown.getvalue()
    assert "'zz' is not a legal move here" in text and "'9' is not a legal move here" in text
    assert text.count("agent plays") >= 3 and ("you win" in text or "you lose" in text or "draw" in text)
    assert total.sum() == 0 and np.abs(total).max() in (0, 1)


def test_parse_move_accepts_names_and_numbers():
    game = make("connect_four")
    state = game.init(1)
    assert parse_move(game, state, "3") == 3
    name = game.action_name(5)
    assert parse_move(game, state, name.upper()) == 5
    with pytest.raises(ValueError, match="legal:"):
        parse_move(game, state, "7")
