"""boardzoo.agents.evaluation: matches logged in an arena, Elo by maximum likelihood, and the
comparison of training methods."""

from boardzoo.agents.evaluation.arena import Arena, ArenaConfig, ratings_from_records, run_arena
from boardzoo.agents.evaluation.compare import CompareConfig, run_compare
from boardzoo.agents.evaluation.ratings import Ratings, fit_elo, rate

__all__ = [
    "Arena",
    "ArenaConfig",
    "CompareConfig",
    "Ratings",
    "fit_elo",
    "rate",
    "ratings_from_records",
    "run_arena",
    "run_compare",
]
