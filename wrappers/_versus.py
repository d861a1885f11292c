"""B games of a learner against an opponent on the batched kernel: the loop shared by the
single-agent Gymnasium env (B = 1) and the vector envs. No game rules here."""

from __future__ import annotations

from typing import Any

import numpy as np

from boardzoo.envs.core import Game, IllegalActionError, State
from boardzoo.wrappers.opponents import resolve_opponent

ILLEGAL_ACTION_RULES = ("raise", "lose")


def check_illegal_action_rule(rule: Any) -> str:
    if rule not in ILLEGAL_ACTION_RULES:
        raise ValueError(f"illegal_action must be one of {ILLEGAL_ACTION_RULES}, got {rule!r}")
    return rule


def check_learner_seat(learner_seat: Any, num_players: int) -> int | None:
    """Validate a learner seat: a player index, or None for a random seat per episode."""
    if learner_seat is None:
        return None
    if (
        isinstance(learner_seat, bool)
        or not isinstance(learner_seat, int | np.integer)
        or not (0 <= learner_seat < num_players)
    ):
        raise ValueError(f"learner_seat must be None (random) or an int in 0..{num_players - 1}, got {learner_seat!r}")
    return int(learner_seat)


class VersusBatch:
    """The state of B learner-vs-opponent games and the kernel calls that advance them.

    After `reset`, `step` and `reset_rows`, every live row has the learner to move: the
    opponent's replies (and opening moves, when the learner has seat 1) are played inside.
    """

    def __init__(
        self,
        game: Game,
        batch_size: int,
        opponent: Any,
        learner_seat: int | None,
        illegal_action: str = "raise",
    ) -> None:
        self.game = game
        self.illegal_action = check_illegal_action_rule(illegal_action)
        self.batch_size = batch_size
        self.opponent = resolve_opponent(opponent)
        self.learner_seat = check_learner_seat(learner_seat, game.num_players)
        self._template = game.init(1)
        self._rows = np.arange(batch_size)
        self.state: State = game.init(batch_size)
        self.seats = np.zeros(batch_size, dtype=np.int32)

    def reset(self, rng: np.random.Generator) -> None:
        """Start B new games (seats drawn from `rng` if random)."""
        self.state = self.game.init(self.batch_size)
        self.seats = self._draw_seats(self.batch_size, rng)
        self._play_opponent(rng)

    def reset_rows(self, rows: np.ndarray, rng: np.random.Generator) -> None:
        """Start new games in the rows selected by bool[B] `rows`."""
        if not rows.any():
            return
        # self.state came from `step` and is held by nobody else: reset it in place.
        self.state = self.state.replace_rows(rows, self._template, in_place=True)
        self.seats = self.seats.copy()
        self.seats[rows] = self._draw_seats(int(rows.sum()), rng)
        self._play_opponent(rng)

    def observe(self) -> np.ndarray:
        """float32[B, C, H, W], from the learner's point of view."""
        return self.game.observe(self.state, self.seats)

    def step(self, actions: np.ndarray, rng: np.random.Generator, where: np.ndarray | None = None) -> np.ndarray:
        """Play the learner's actions int[B] (in rows `where`), then the opponent's replies.

        An illegal (in-range) action raises, or with illegal_action="lose" forfeits that game
        (learner -1); out-of-range actions always raise.

        Returns:
          float32[B], the learner's reward summed over both transitions.
        """
        state = self.state
        if self.illegal_action == "lose":
            forfeit = self._illegal_rows(actions, where)
            if forfeit.any():
                state = self.game.resign(state, forfeit)
                reward = state.rewards[self._rows, self.seats]
                moving = ~forfeit if where is None else where & ~forfeit
                self.state = self.game.step(state, actions, where=moving)
                return reward + self.state.rewards[self._rows, self.seats] + self._play_opponent(rng)
        self.state = self.game.step(state, actions, where=where)
        reward = self.state.rewards[self._rows, self.seats]
        return reward + self._play_opponent(rng)

    def _illegal_rows(self, actions: np.ndarray, where: np.ndarray | None) -> np.ndarray:
        # bool[B]: live rows (in `where`) whose in-range action is illegal.
        state = self.state
        live = ~state.done if where is None else ~state.done & where
        in_range = (actions >= 0) & (actions < self.game.num_actions)
        legal = state.legal_action_mask[self._rows, np.where(in_range, actions, 0)]
        return live & in_range & ~legal

    def _draw_seats(self, count: int, rng: np.random.Generator) -> np.ndarray:
        if self.learner_seat is None:
            return rng.integers(0, self.game.num_players, size=count).astype(np.int32)
        return np.full(count, self.learner_seat, dtype=np.int32)

    def _play_opponent(self, rng: np.random.Generator) -> np.ndarray:
        reward = np.zeros(self.batch_size, dtype=np.float32)
        while True:
            state = self.state
            turn = ~state.done & (state.current_player != self.seats)
            if not turn.any():
                return reward
            rows = np.flatnonzero(turn)
            sub = state if rows.size == self.batch_size else state.take(rows)
            replies = np.asarray(self.opponent(sub, rng))
            if replies.shape != (rows.size,):
                raise ValueError(f"opponent returned actions of shape {replies.shape}, expected ({rows.size},)")
            actions = np.zeros(self.batch_size, dtype=np.int64)
            actions[rows] = replies
            try:
                self.state = self.game.step(state, actions, where=turn)
            except IllegalActionError as error:
                raise IllegalActionError(f"the opponent played an illegal move: {error}") from None
            reward += self.state.rewards[self._rows, self.seats]
