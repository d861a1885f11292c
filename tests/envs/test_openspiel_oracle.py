"""Rules oracle: random games played move by move in lockstep with OpenSpiel.

At every step both sides must agree on the legal action set; at the end on the terminal step
and the returns. Our kernel plays all games of a case as one batch, so this also exercises
the batched code path.
"""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.envs import make, sample_legal_actions

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


def play_lockstep(
    game_id: str, params: dict, spiel_name: str, spiel_params: dict, num_games: int, seed: int
) -> dict[str, int]:
    """Play `num_games` random games on both sides; assert agreement; return counts."""
    game = make(game_id, **params)
    spiel_game = pyspiel.load_game(spiel_name, spiel_params)
    assert spiel_game.num_distinct_actions() == game.num_actions
    spiel_states = [spiel_game.new_initial_state() for _ in range(num_games)]
    state = game.init(num_games)
    rng = np.random.default_rng(seed)
    outcomes = {"first_wins": 0, "second_wins": 0, "draws": 0}
    while not state.done.all():
        for b in np.flatnonzero(~state.done):
            ours = np.flatnonzero(state.legal_action_mask[b]).tolist()
            assert ours == spiel_states[b].legal_actions(), f"game {b} ply {state.step_count[b]}"
            assert state.current_player[b] == spiel_states[b].current_player()
        actions = sample_legal_actions(state.legal_action_mask, rng)
        live = ~state.done
        state = game.step(state, actions)
        for b in np.flatnonzero(live):
            spiel_states[b].apply_action(int(actions[b]))
            assert bool(state.terminated[b]) == spiel_states[b].is_terminal(), f"game {b}"
            if state.terminated[b]:
                np.testing.assert_array_equal(state.rewards[b], spiel_states[b].returns())
                assert state.step_count[b] == len(spiel_states[b].history())
                key = (
                    "draws"
                    if state.rewards[b, 0] == 0
                    else ("first_wins" if state.rewards[b, 0] > 0 else "second_wins")
                )
                outcomes[key] += 1
    assert not state.truncated.any()
    return outcomes


@pytest.mark.parametrize(
    ("game_id", "params", "spiel_name", "spiel_params", "draws"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_random_games_agree_with_openspiel(game_id, params, spiel_name, spiel_params, draws):
    outcomes = play_lockstep(game_id, params, spiel_name, spiel_params, NUM_GAMES, seed=7)
    assert sum(outcomes.values()) == NUM_GAMES
    # Random play reaches every kind of ending (draws only where they are common).
    assert outcomes["first_wins"] > 0 and outcomes["second_wins"] > 0
    if draws:
        assert outcomes["draws"] > 0
