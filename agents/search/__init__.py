"""boardzoo.agents.search: batched tree search as functions over arrays (no torch here).

One simulation loop (`driver.simulate`) under every search; PUCT, UCT and Gumbel are selection
rules (`selection.py`) and configs (`SearchConfig`, `GumbelConfig`). `run_search` is the one
place that picks the search a config names:

    out = run_search(game, states, evaluator, GumbelConfig(simulations=16), keys)
    out.action, out.policy, out.visits, out.q, out.root_value     # `SearchOutput`, [B] / [B, A]
"""

from __future__ import annotations

import numpy as np

from boardzoo.agents.search.driver import SearchOutput
from boardzoo.agents.search.evaluators import Evaluator, FunctionEvaluator, RolloutEvaluator, uniform_evaluator
from boardzoo.agents.search.gumbel import GumbelConfig, GumbelOutput, gumbel_search
from boardzoo.agents.search.mcts import SearchConfig, search
from boardzoo.agents.search.policy import masked_softmax, policy_from_visits, sample_from_policy
from boardzoo.agents.search.reuse import Reuse, find_in_searches, find_positions, next_root_nodes
from boardzoo.agents.search.tree import Tree
from boardzoo.envs import Game, State

AnySearchConfig = SearchConfig | GumbelConfig
"""a search a player or trainer can be configured with"""


def run_search(game: Game, root: State, evaluate: Evaluator, config: AnySearchConfig, keys: np.ndarray) -> SearchOutput:
    """The search `config` names (PUCT/UCT for a `SearchConfig`, Gumbel for a `GumbelConfig`)."""
    if isinstance(config, GumbelConfig):
        return gumbel_search(game, root, evaluate, config, keys)
    if isinstance(config, SearchConfig):
        return search(game, root, evaluate, config, keys)
    raise TypeError(f"config must be a SearchConfig or GumbelConfig, got {type(config).__name__}")


__all__ = [
    "AnySearchConfig",
    "Evaluator",
    "FunctionEvaluator",
    "GumbelConfig",
    "GumbelOutput",
    "Reuse",
    "RolloutEvaluator",
    "SearchConfig",
    "SearchOutput",
    "Tree",
    "find_in_searches",
    "find_positions",
    "gumbel_search",
    "masked_softmax",
    "next_root_nodes",
    "policy_from_visits",
    "run_search",
    "sample_from_policy",
    "search",
    "uniform_evaluator",
]
