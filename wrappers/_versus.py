"""B games of a learner against an opponent on the batched kernel: the loop shared by the
single-agent Gymnasium env (B = 1) and the vector envs. No game rules here."""

from __future__ import annotations

from typing import Any

import numpy as np

from boardzoo.envs.core import Game, IllegalActionError, State
from boardzoo.wrappers._checks import (
    check_illegal_action_rule,
    check_learner_seat,
    check_opponent_reply,
    opponent_name,
)
from boardzoo.wrappers.opponents import resolve_opponent


class VersusBatch:
    """The state of B learner-vs-opponent games and the kernel calls that advance them.

    After `reset`, `step` and `reset_rows`, every live row has the learner to move: the
    opponent's replies (and opening moves, when the learner has seat 1) are played inside.
    The batch owns `state` and advances and resets it in place (no new arrays per step):
    read it, don't keep it. When the opponent fails (raises, or returns a bad reply), the
    games are left where the failure happened and `interrupted` is set until `reset`.
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
        self._opponent_given = opponent  # named in errors about its replies
        self.learner_seat = check_learner_seat(learner_seat, game.num_players)
        self._template = game.init(1)
        self._rows = np.arange(batch_size)
        self._opponent_actions = np.zeros(batch_size, dtype=np.int64)
        self.state: State = game.init(batch_size)
        self.seats = np.zeros(batch_size, dtype=np.int32)
        self.interrupted = False

    def reset(self, rng: np.random.Generator) -> None:
        """Start B new games (seats drawn from `rng` if random)."""
        self.state = self.game.init(self.batch_size)
        self.seats = self._draw_seats(self.batch_size, rng)
        self.interrupted = False
        self._play_opponent(rng)

    def reset_rows(self, rows: np.ndarray, rng: np.random.Generator) -> None:
        """Start new games in the rows selected by bool[B] `rows`."""
        if not rows.any():
            return
        self.state.replace_rows(rows, self._template, in_place=True)
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
        reward = np.zeros(self.batch_size, dtype=np.float32)
        if self.illegal_action == "lose":
            where = self._forfeit_illegal_moves(actions, where, reward)
        self.game.step(self.state, actions, where=where, in_place=True)
        reward += self.state.rewards[self._rows, self.seats]
        return reward + self._play_opponent(rng)

    def step_and_reset(
        self, actions: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """`step`, then new games in the rows that ended (autoreset within the same step).

        Returns:
          The step's learner reward float32[B], terminated bool[B] and truncated bool[B], and
          the final observations float32[B, C, H, W] (valid in the rows that ended), or None
          when no row ended.
        """
        reward = self.step(actions, rng)
        terminated, truncated = self.state.terminated.copy(), self.state.truncated.copy()
        ended = terminated | truncated
        if not ended.any():
            return reward, terminated, truncated, None
        final_obs = self.observe()
        self.reset_rows(ended, rng)
        return reward, terminated, truncated, final_obs

    def action_masks(self) -> np.ndarray:
        """bool[B, A]: each learner's legal actions now (a copy)."""
        return self.state.legal_action_mask.copy()

    def _forfeit_illegal_moves(
        self, actions: np.ndarray, where: np.ndarray | None, reward: np.ndarray
    ) -> np.ndarray | None:
        # illegal_action="lose": movers (in `where`) whose in-range action is illegal resign, and
        # their -1 goes into `reward`; returns the rows that still move. An out-of-range action
        # raises first, before anything changes.
        state = self.state
        live = ~state.done if where is None else ~state.done & where
        in_range = (actions >= 0) & (actions < self.game.num_actions)
        if not in_range[live].all():
            self.game.step(state, actions, where=live & ~in_range)  # raises, naming the row
        forfeit = live & ~state.legal_action_mask[self._rows, np.where(in_range, actions, 0)]
        if not forfeit.any():
            return where
        self.game.resign(state, forfeit, in_place=True)
        reward += state.rewards[self._rows, self.seats]
        return live & ~forfeit

    def _draw_seats(self, count: int, rng: np.random.Generator) -> np.ndarray:
        if self.learner_seat is None:
            return rng.integers(0, self.game.num_players, size=count).astype(np.int32)
        return np.full(count, self.learner_seat, dtype=np.int32)

    def _play_opponent(self, rng: np.random.Generator) -> np.ndarray:
        try:
            return self._opponent_replies(rng)
        except BaseException:
            self.interrupted = True  # the learner's move was played, the opponent's was not
            raise

    def _opponent_replies(self, rng: np.random.Generator) -> np.ndarray:
        reward = np.zeros(self.batch_size, dtype=np.float32)
        state, actions = self.state, self._opponent_actions
        while True:
            turn = ~state.done & (state.current_player != self.seats)
            if not turn.any():
                return reward
            rows = np.flatnonzero(turn)
            asked = state if rows.size == self.batch_size else state.take(rows)
            reply = self.opponent(asked, rng)
            # The other rows' entries are ignored (not in `where`).
            actions[rows] = check_opponent_reply(reply, rows, self.game.num_actions, self._opponent_given)
            try:  # range and legality are checked before anything is played
                self.game.step(state, actions, where=turn, in_place=True)
            except IllegalActionError as error:
                name = opponent_name(self._opponent_given)
                raise IllegalActionError(f"opponent {name} played an illegal move: {error}") from None
            reward += state.rewards[self._rows, self.seats]
