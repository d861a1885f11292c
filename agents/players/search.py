"""Search players: `SearchPlayer` searches with any evaluator (a network through
`TorchEvaluator`); `UCTPlayer` is classic Monte Carlo tree search with random rollouts (its
simulation count makes an Elo ladder).
"""

from __future__ import annotations

import numpy as np

from boardzoo.agents.search import (
    Evaluator,
    GumbelConfig,
    GumbelOutput,
    RolloutEvaluator,
    SearchConfig,
    SearchOutput,
    gumbel_search,
    policy_from_visits,
    sample_from_policy,
    search,
)
from boardzoo.envs import Game, State


class SearchPlayer:
    """Searches every position and plays the search's choice.

    Args:
      game: the game it plays.
      evaluator: leaf evaluator (see `boardzoo.agents.search.evaluators`).
      config: `SearchConfig` (PUCT/UCT: plays from the root visit counts) or `GumbelConfig`
        (plays the Gumbel search's action; `temperature` is then unused).
      temperature: 0 plays the most visited action; > 0 samples visits ** (1 / T).
    """

    def __init__(
        self, game: Game, evaluator: Evaluator, config: SearchConfig | GumbelConfig, temperature: float = 0.0
    ) -> None:
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        self.game = game
        self.evaluator = evaluator
        self.config = config
        self.temperature = temperature
        self.last_search: SearchOutput | GumbelOutput | None = None

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray:
        keys = rng.integers(0, 2**63, size=state.batch_size, dtype=np.int64).astype(np.uint64)
        if isinstance(self.config, GumbelConfig):
            gumbel = gumbel_search(self.game, state, self.evaluator, self.config, keys)
            self.last_search = gumbel
            return gumbel.action
        output = search(self.game, state, self.evaluator, self.config, keys)
        self.last_search = output
        policy = policy_from_visits(output.visits, self.temperature)
        actions = np.full(state.batch_size, -1, dtype=np.int64)
        live = np.flatnonzero(~state.done)
        if self.temperature == 0:
            actions[live] = policy[live].argmax(axis=1)
        else:
            actions[live] = sample_from_policy(policy[live], rng)
        return actions


class UCTPlayer(SearchPlayer):
    """Classic UCT: uniform prior, random rollouts, Q + c * sqrt(ln N / n) (c = 2, as in
    OpenSpiel's MCTS bot examples), most visited move."""

    def __init__(self, game: Game, simulations: int = 1000, exploration: float = 2.0, num_rollouts: int = 1) -> None:
        config = SearchConfig(simulations=simulations, rule="uct", exploration=exploration)
        super().__init__(game, RolloutEvaluator(game, num_rollouts), config)
