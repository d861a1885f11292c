"""The rules oracle shared by the game tests: random games played move by move in lockstep
with OpenSpiel. At every step both sides must agree on the legal action set and the player to
move; after every move on whether the game ended; at the end on the returns and the length.
Our kernel plays all games as one batch, so this also exercises the batched code path."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from boardzoo.envs import Game, State, sample_legal_actions

Chooser = Callable[[State, np.random.Generator], np.ndarray]
MoveCheck = Callable[[State, int, object], None]


def play_lockstep(
    game: Game,
    spiel_game,
    num_games: int,
    seed: int,
    *,
    choose: Chooser | None = None,
    after_move: MoveCheck | None = None,
) -> tuple[State, dict[str, int]]:
    """Play `num_games` games on both sides and assert they agree; the final batch and counts.

    Args:
      game: ours.
      spiel_game: the pyspiel game with the same rules and action numbering.
      num_games: games played at once.
      seed: seed of the action choice.
      choose: picks the actions, int[B] (default: uniformly random legal moves).
      after_move: extra checks `after_move(state, row, spiel_state)` for each row that moved.

    Returns:
      The final state and counts of first_wins, second_wins and draws.
    """
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
        actions = choose(state, rng) if choose else sample_legal_actions(state.legal_action_mask, rng)
        live = ~state.done
        state = game.step(state, actions)
        for b in np.flatnonzero(live):
            spiel_states[b].apply_action(int(actions[b]))
            assert bool(state.terminated[b]) == spiel_states[b].is_terminal(), f"game {b}"
            if after_move is not None:
                after_move(state, b, spiel_states[b])
            if state.terminated[b]:
                np.testing.assert_array_equal(state.rewards[b], spiel_states[b].returns())
                assert state.step_count[b] == len(spiel_states[b].history())
                reward = state.rewards[b, 0]
                outcomes["draws" if reward == 0 else "first_wins" if reward > 0 else "second_wins"] += 1
    assert not state.truncated.any()
    return state, outcomes
