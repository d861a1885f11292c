"""Breakthrough against OpenSpiel's `breakthrough`: random games in lockstep (also greedy
capturing ones, which end by wiping a side out) and the action names."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import sample_legal_actions
from boardzoo.envs.breakthrough import make_game

from .oracle import play_lockstep


def lockstep_counts(params: dict, num_games: int, seed: int, capture_bias: float = 0.0) -> dict[str, int]:
    """`oracle.play_lockstep` on Breakthrough, plus counts of captures and wipe-out wins.

    With `capture_bias` > 0 a mover that can capture does so with that probability (a random
    capture), which makes games that end by taking every enemy piece.
    """
    pyspiel = pytest.importorskip("pyspiel")
    game = make_game(**params)
    spiel_game = pyspiel.load_game("breakthrough", params)
    assert spiel_game.max_game_length() == game.max_game_length
    is_capture = np.arange(game.num_actions) % 2 == 1
    counts = {"captures": 0, "wipeouts": 0}

    def choose(state, rng):
        mask = state.legal_action_mask
        captures = mask & is_capture
        greedy = captures.any(axis=1) & (rng.random(state.batch_size) < capture_bias)
        actions = sample_legal_actions(np.where(greedy[:, None], captures, mask), rng)
        counts["captures"] += int(is_capture[actions[~state.done]].sum())
        return actions

    def count_wipeouts(state, b, spiel_state):
        if state.terminated[b]:
            assert state.step_count[b] <= game.max_game_length
            counts["wipeouts"] += int(not (state.board[b] == 1 + state.current_player[b]).any())

    state, outcomes = play_lockstep(game, spiel_game, num_games, seed, choose=choose, after_move=count_wipeouts)
    # The per-row piece bitmasks the move generator uses stay in step with the board.
    columns_bits = 1 << np.arange(game.board_shape[1])
    for player in (0, 1):
        np.testing.assert_array_equal(state.bits[:, player], (state.board == 1 + player) @ columns_bits)
    return {**counts, **outcomes}


def check_oracle(params: dict, num_games: int = 2000, capture_bias: float = 0.0) -> dict[str, int]:
    counts = lockstep_counts(params, num_games, seed=11, capture_bias=capture_bias)
    assert counts["first_wins"] + counts["second_wins"] == num_games and counts["draws"] == 0
    assert counts["first_wins"] > 0 and counts["second_wins"] > 0
    assert counts["captures"] > num_games  # random play captures a lot
    return counts


def test_random_games_agree_with_openspiel():
    check_oracle({})


@pytest.mark.parametrize(("rows", "columns"), [(6, 5), (5, 5), (10, 7), (7, 10)])
def test_random_games_agree_with_openspiel_other_sizes(rows, columns):
    check_oracle({"rows": rows, "columns": columns})


@pytest.mark.parametrize(("rows", "columns"), [(5, 5), (6, 5), (8, 8)])
def test_capture_happy_games_agree_with_openspiel_on_wipeouts(rows, columns):
    # Uniform random play almost always ends on the far row; greedy capturing wipes sides out.
    counts = check_oracle({"rows": rows, "columns": columns}, capture_bias=0.9)
    assert counts["wipeouts"] > 0


def test_action_names_match_openspiel():
    pyspiel = pytest.importorskip("pyspiel")
    for rows, columns in [(8, 8), (6, 5), (9, 10)]:
        game = make_game(rows=rows, columns=columns)
        spiel_state = pyspiel.load_game("breakthrough", {"rows": rows, "columns": columns}).new_initial_state()
        spiel_names = [spiel_state.action_to_string(a) for a in range(game.num_actions)]
        # Never-legal moves off the board: OpenSpiel names rank 10 ':' (we name it "10").
        ours = [game.action_name(a) if ":" not in spiel_names[a] else spiel_names[a] for a in range(game.num_actions)]
        assert ours == spiel_names
        assert sum(":" in name for name in spiel_names) == (2 * 3 * columns if rows == 9 else 0)
