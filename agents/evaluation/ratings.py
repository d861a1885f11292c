"""Elo ratings by maximum likelihood over every game played (Bradley–Terry, draws as half points),
with bootstrap confidence intervals, anchored on one player (random play = 0).

P(i beats j) = 1 / (1 + 10 ** ((r_j - r_i) / 400)). A game scores s ∈ {1, 0.5, 0} for i; the
log-likelihood Σ s log P(i beats j) + (1 - s) log P(j beats i) is maximised by Newton's
method. A player who won (or lost) every game has no finite maximum, so each pair that met
also gets `prior_draws` virtual drawn games (BayesElo's device), which pulls such ratings in
by a bounded amount and fades as real games accumulate. Shapes: G games, P players.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ELO_SCALE = 400.0 / math.log(10.0)


@dataclass(frozen=True)
class Ratings:
    """Fitted ratings.

    Attributes:
      players: names, in the order of the arrays.
      elo: float[P], anchored so the anchor player is 0.
      low, high: float[P], the bootstrap interval (NaN without bootstrap).
      games: int[P], games each player played.
      score: float[P], each player's mean score (win 1, draw 0.5).
    """

    players: tuple[str, ...]
    elo: np.ndarray
    low: np.ndarray
    high: np.ndarray
    games: np.ndarray
    score: np.ndarray

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {
            name: {
                "elo": float(self.elo[i]),
                "low": float(self.low[i]),
                "high": float(self.high[i]),
                "games": int(self.games[i]),
                "score": float(self.score[i]),
            }
            for i, name in enumerate(self.players)
        }

    def markdown(self) -> str:
        """A table sorted by rating."""
        lines = ["| player | Elo | 95% interval | games | score |", "|---|---:|---|---:|---:|"]
        for i in np.argsort(-self.elo):
            interval = "" if np.isnan(self.low[i]) else f"[{self.low[i]:.0f}, {self.high[i]:.0f}]"
            lines.append(
                f"| {self.players[i]} | {self.elo[i]:.0f} | {interval} | {self.games[i]} | {self.score[i]:.3f} |"
            )
        return "\n".join(lines)


def fit_elo(
    first: np.ndarray,
    second: np.ndarray,
    score: np.ndarray,
    num_players: int,
    anchor: int = 0,
    prior_draws: float = 1.0,
    iterations: int = 100,
) -> np.ndarray:
    """Maximum-likelihood Elo of P players from G games.

    Args:
      first, second: int[G], the two players of each game.
      score: float[G], the first player's score (1, 0.5 or 0).
      num_players: P.
      anchor: the player fixed at 0.
      prior_draws: virtual drawn games added to each pair that met (0 = pure maximum likelihood).

    Returns:
      float[P] ratings in Elo points.
    """
    first, second = np.asarray(first, np.int64), np.asarray(second, np.int64)
    score = np.asarray(score, np.float64)
    if np.any((score < 0) | (score > 1)):
        raise ValueError(f"scores must be in [0, 1], got values from {score.min()} to {score.max()}")
    if np.any(first == second):
        raise ValueError("a game needs two different players")
    # Aggregate to pair counts: wins[i, j] = points of i against j, games[i, j] = games played.
    games = np.zeros((num_players, num_players))
    points = np.zeros((num_players, num_players))
    np.add.at(games, (first, second), 1.0)
    np.add.at(games, (second, first), 1.0)
    np.add.at(points, (first, second), score)
    np.add.at(points, (second, first), 1.0 - score)
    met = games > 0
    games = games + prior_draws * met
    points = points + 0.5 * prior_draws * met
    rating = np.zeros(num_players)  # natural units (ELO_SCALE per unit)
    free = np.array([p for p in range(num_players) if p != anchor and met[p].any()], dtype=np.int64)
    for _ in range(iterations):
        expected = 1.0 / (1.0 + np.exp(rating[None, :] - rating[:, None]))  # P(i beats j)
        gradient = (points - games * expected).sum(axis=1)
        weight = games * expected * (1 - expected)
        hessian = np.diag(weight.sum(axis=1)) - weight
        step = np.linalg.solve(hessian[np.ix_(free, free)] + 1e-9 * np.eye(free.size), gradient[free])
        rating[free] += np.clip(step, -5, 5)
        if np.abs(step).max() < 1e-10:
            break
    return rating * ELO_SCALE


def rate(
    players: list[str],
    first: np.ndarray,
    second: np.ndarray,
    score: np.ndarray,
    anchor: str = "random",
    bootstrap: int = 200,
    seed: int = 0,
    prior_draws: float = 1.0,
) -> Ratings:
    """Ratings with bootstrap intervals (games resampled with replacement, refitted `bootstrap` times)."""
    if anchor not in players:
        raise ValueError(f"anchor {anchor!r} has played no game; players: {players}")
    index = players.index(anchor)
    first, second, score = np.asarray(first), np.asarray(second), np.asarray(score, np.float64)
    elo = fit_elo(first, second, score, len(players), index, prior_draws)
    low = np.full(len(players), np.nan)
    high = np.full(len(players), np.nan)
    if bootstrap > 0 and score.size:
        rng = np.random.default_rng(seed)
        samples = np.empty((bootstrap, len(players)))
        for b in range(bootstrap):
            pick = rng.integers(0, score.size, size=score.size)
            samples[b] = fit_elo(first[pick], second[pick], score[pick], len(players), index, prior_draws)
        low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    played = np.bincount(first, minlength=len(players)) + np.bincount(second, minlength=len(players))
    points = np.bincount(first, score, len(players)) + np.bincount(second, 1 - score, len(players))
    return Ratings(tuple(players), elo, low, high, played, points / np.maximum(played, 1))
