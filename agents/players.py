"""Players: one batched protocol, `act(state, rng) -> actions[B]`, so anything plays anything
(and any player is an `opponent` of the Gymnasium envs as it is).

`RandomPlayer` plays uniformly; `UCTPlayer` is classic Monte Carlo tree search with random
rollouts (its simulation count makes an Elo ladder); `SearchPlayer` searches with any
evaluator (a network through `FunctionEvaluator`). `aec_action` lets a player move in the
PettingZoo AEC env.
"""

from __future__ import annotations

from typing import Any, Protocol

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
from boardzoo.envs import Game, State, sample_legal_actions


class Player(Protocol):
    """Chooses one action per row of a batch of positions (-1 for finished rows)."""

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray: ...


class RandomPlayer:
    """Uniformly random legal moves."""

    def act(self, state: State, rng: np.random.Generator) -> np.ndarray:
        return sample_legal_actions(state.legal_action_mask, rng)


class SearchPlayer:
    """Searches every position and plays the search's choice.

    Args:
      game: the game it plays.
      evaluator: leaf evaluator (see `boardzoo.agents.search.evaluators`).
      config: `SearchConfig` (PUCT/UCT: plays from the root visit counts) or `GumbelConfig`
        (plays the Gumbel search's action; `temperature` is then unused).
      temperature: 0 plays the most visited action; > 0 samples visits ** (1 / T).
    """

    def __init__(self, game: Game, evaluator: Evaluator, config: SearchConfig | GumbelConfig,
                 temperature: float = 0.0) -> None:  # fmt: skip
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

    def __init__(self, game: Game, num_simulations: int = 1000, exploration: float = 2.0,
                 num_rollouts: int = 1) -> None:  # fmt: skip
        config = SearchConfig(num_simulations=num_simulations, rule="uct", exploration=exploration)
        super().__init__(game, RolloutEvaluator(game, num_rollouts), config)


def aec_action(player: Player, env: Any, rng: np.random.Generator) -> int | None:
    """The player's move for the agent on turn in a boardzoo AEC env (None once it is over)."""
    raw = env.unwrapped
    agent = raw.agent_selection
    if raw.terminations[agent] or raw.truncations[agent]:
        return None
    return int(player.act(raw.kernel_state, rng)[0])
