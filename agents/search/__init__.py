"""boardzoo.agents.search: batched tree search as functions over arrays (no torch here)."""

from boardzoo.agents.search.evaluators import Evaluator, FunctionEvaluator, RolloutEvaluator, uniform_evaluator
from boardzoo.agents.search.mcts import SearchConfig, SearchOutput, masked_softmax, policy_from_visits, search
from boardzoo.agents.search.tree import Tree

__all__ = [
    "Evaluator",
    "FunctionEvaluator",
    "RolloutEvaluator",
    "SearchConfig",
    "SearchOutput",
    "Tree",
    "masked_softmax",
    "policy_from_visits",
    "search",
    "uniform_evaluator",
]
