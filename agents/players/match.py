"""Batched matches between two players, seats alternated.

    result = play_match(game, player_a, player_b, num_games=100, rng=np.random.default_rng(0))
    result.score   # player_a's points per game: win 1, draw 0.5, loss 0

All games run at once: each ply, the player on turn in each row acts for the rows where it is
to move. Game i gives player_a seat i % 2, so seats alternate exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from boardzoo.agents.players.base import Player
from boardzoo.envs import Game


@dataclass(frozen=True)
class MatchResult:
    """Outcomes of a match, from player_a's point of view.

    Attributes:
      outcome: float32[G], +1 win, 0 draw, -1 loss for player_a.
      seat_a: int8[G], player_a's seat in each game.
      plies: int32[G], game lengths.
    """

    outcome: np.ndarray
    seat_a: np.ndarray
    plies: np.ndarray

    @property
    def wins(self) -> int:
        return int((self.outcome > 0).sum())

    @property
    def draws(self) -> int:
        return int((self.outcome == 0).sum())

    @property
    def losses(self) -> int:
        return int((self.outcome < 0).sum())

    @property
    def score(self) -> float:
        """player_a's mean points per game (win 1, draw 0.5)."""
        return float(((self.outcome + 1) / 2).mean()) if self.outcome.size else float("nan")


def play_match(
    game: Game,
    player_a: Player,
    player_b: Player,
    num_games: int,
    rng: np.random.Generator,
    batch_size: int | None = None,
) -> MatchResult:
    """Play `num_games` games (player_a in seat i % 2 of game i), `batch_size` at a time (all by default)."""
    if isinstance(num_games, bool) or not isinstance(num_games, int) or num_games < 1:
        raise ValueError(f"num_games must be a positive int, got {num_games!r}")
    batch_size = num_games if batch_size is None else batch_size
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    seat_a = (np.arange(num_games) % 2).astype(np.int8)
    outcome = np.zeros(num_games, np.float32)
    plies = np.zeros(num_games, np.int32)
    for start in range(0, num_games, batch_size):
        rows = slice(start, min(start + batch_size, num_games))
        outcome[rows], plies[rows] = _play_batch(game, player_a, player_b, seat_a[rows], rng)
    return MatchResult(outcome, seat_a, plies)


def _play_batch(
    game: Game, player_a: Player, player_b: Player, seat_a: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    batch = seat_a.size
    state = game.init(batch)
    returns = np.zeros((batch, game.num_players), np.float32)
    while not state.done.all():
        a_to_move = (state.current_player == seat_a) & ~state.done
        actions = np.full(batch, -1, np.int64)
        for player, rows in ((player_a, a_to_move), (player_b, ~a_to_move & ~state.done)):
            if rows.any():
                chosen = np.asarray(player.act(state.take(np.flatnonzero(rows)), rng), dtype=np.int64)
                actions[rows] = chosen
        state = game.step(state, actions)
        returns += state.rewards
    outcome = returns[np.arange(batch), seat_a]
    return np.sign(outcome).astype(np.float32), state.step_count.astype(np.int32)
