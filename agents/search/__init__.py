"""boardzoo.agents.search: batched tree search as functions over arrays (no torch here)."""

from boardzoo.agents.search.evaluators import Evaluator, FunctionEvaluator, RolloutEvaluator, uniform_evaluator
from boardzoo.agents.search.gumbel import GumbelConfig, GumbelOutput, gumbel_search
from boardzoo.agents.search.mcts import (
    SearchConfig,
    SearchOutput,
    masked_softmax,
    policy_from_visits,
    sample_from_policy,
    search,
)
from boardzoo.agents.search.tree import Tree

__all__ = [
    "Evaluator",
    "FunctionEvaluator",
    "GumbelConfig",
    "GumbelOutput",
    "RolloutEvaluator",
    "SearchConfig",
    "SearchOutput",
    "Tree",
    "gumbel_search",
    "masked_softmax",
    "policy_from_visits",
    "sample_from_policy",
    "search",
    "uniform_evaluator",
]
