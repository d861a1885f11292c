"""Search players: `SearchPlayer` searches with any evaluator (a network through
`TorchEvaluator`); `UCTPlayer` is classic Monte Carlo tree search with random rollouts (its
simulation count makes an Elo ladder).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from boardzoo.agents.search import (
    Evaluator,
    GumbelConfig,
    RolloutEvaluator,
    SearchConfig,
    SearchOutput,
    policy_from_visits,
    run_search,
    sample_from_policy,
    search,
)
from boardzoo.agents.search.reuse import find_in_searches
from boardzoo.envs import Game, State


class SearchPlayer:
    """Searches every position and plays the search's choice.

    Args:
      game: the game it plays.
      evaluator: leaf evaluator (see `boardzoo.agents.search.evaluators`).
      config: `SearchConfig` (PUCT/UCT: plays from the root visit counts) or `GumbelConfig`
        (plays the Gumbel search's action; `temperature` is then unused).
      temperature: 0 plays the most visited action; > 0 samples visits ** (1 / T).
      reuse_tree: start each search from the subtree of an earlier one that holds the new
        position (found by content: after this player's move and any reply); PUCT/UCT only.
        The player keeps its last `game.num_players` searches, so reuse also works when its
        calls take turns between groups of games (a batched match with seats alternated: each
        call sees the games where it is to move). Those trees stay in memory until newer
        searches replace them.
    """

    def __init__(
        self,
        game: Game,
        evaluator: Evaluator,
        config: SearchConfig | GumbelConfig,
        temperature: float = 0.0,
        *,
        reuse_tree: bool = False,
    ) -> None:
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        if reuse_tree and not isinstance(config, SearchConfig):
            raise ValueError("reuse_tree needs a PUCT/UCT SearchConfig (Gumbel search starts from an unvisited root)")
        self.reuse_tree = reuse_tree
        self._searches: deque[tuple[SearchOutput, np.ndarray]] = deque(maxlen=game.num_players)
        self.game = game
        self.evaluator = evaluator
        self.config = config
        self.temperature = temperature
        self.last_search: SearchOutput | None = None

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray:
        keys = rng.integers(0, 2**63, size=state.batch_size, dtype=np.int64).astype(np.uint64)
        if self.reuse_tree and self._searches:
            reuse = find_in_searches(self._searches, state)
            output = search(self.game, state, self.evaluator, self.config, keys, reuse=reuse)  # type: ignore[arg-type]
        else:
            output = run_search(self.game, state, self.evaluator, self.config, keys)
        self.last_search = output
        if self.temperature == 0 or isinstance(self.config, GumbelConfig):
            actions = output.action
        else:
            actions = np.full(state.batch_size, -1, dtype=np.int64)
            live = np.flatnonzero(~state.done)
            actions[live] = sample_from_policy(policy_from_visits(output.visits[live], self.temperature), rng)
        if self.reuse_tree:
            self._searches.appendleft((output, actions))  # newest first
        return actions


class UCTPlayer(SearchPlayer):
    """Classic UCT: uniform prior, random rollouts, Q + c * sqrt(ln N / n) (c = 2, as in
    OpenSpiel's MCTS bot examples), most visited move."""

    def __init__(self, game: Game, simulations: int = 1000, exploration: float = 2.0, num_rollouts: int = 1) -> None:
        config = SearchConfig(simulations=simulations, rule="uct", exploration=exploration)
        super().__init__(game, RolloutEvaluator(game, num_rollouts), config)
