"""The replay buffer: a window of the most recent self-play positions, sampled by position or
by game.

Each position keeps both value targets, the game outcome z and the root search value q (both
for the player to move), so any mix (1 - r) z + r q can be trained later from the same data.
Games are added whole (when they end), so each game's positions are contiguous in the ring.
Shapes: K positions, C/H/W planes, A actions.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from boardzoo.agents.training.positions import Positions

SAMPLING = ("position", "game")


FIELDS = tuple(Positions.__dataclass_fields__)


class ReplayBuffer:
    """A ring of the last `capacity` positions, grouped by the game they came from.

    Args:
      capacity: positions kept (the window); older games are dropped position by position.
      observation_shape: (C, H, W).
      num_actions: A.
    """

    def __init__(self, capacity: int, observation_shape: tuple[int, ...], num_actions: int) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        self.capacity = capacity
        self.observation = np.zeros((capacity, *observation_shape), np.float32)
        self.legal = np.zeros((capacity, num_actions), np.bool_)
        self.policy = np.zeros((capacity, num_actions), np.float32)
        self.z = np.zeros(capacity, np.float32)
        self.q = np.zeros(capacity, np.float32)
        self.size = 0
        self.next_slot = 0
        self.positions_added = 0
        self.games_added = 0
        # (first slot, length) of each game still (partly) in the window, oldest first.
        self._games: deque[tuple[int, int]] = deque()

    def __len__(self) -> int:
        return self.size

    @property
    def num_games(self) -> int:
        return len(self._games)

    def add_game(self, positions: Positions) -> None:
        """Append one finished game's positions (in play order)."""
        count = len(positions)
        if count == 0:
            return
        if count > self.capacity:
            raise ValueError(f"a game of {count} positions does not fit a buffer of capacity {self.capacity}")
        self._evict(count)
        slots = (self.next_slot + np.arange(count)) % self.capacity
        for name in FIELDS:
            getattr(self, name)[slots] = getattr(positions, name)
        self._games.append((self.next_slot, count))
        self.next_slot = (self.next_slot + count) % self.capacity
        self.size = min(self.capacity, self.size + count)
        self.positions_added += count
        self.games_added += 1

    def _evict(self, incoming: int) -> None:
        # Drop the oldest positions that the incoming ones will overwrite.
        overflow = self.size + incoming - self.capacity
        while overflow > 0 and self._games:
            start, length = self._games.popleft()
            dropped = min(length, overflow)
            if dropped < length:
                self._games.appendleft(((start + dropped) % self.capacity, length - dropped))
            overflow -= dropped
            self.size -= dropped

    def sample(self, count: int, rng: np.random.Generator, by: str = "position") -> Positions:
        """`count` positions drawn with replacement: uniformly over positions, or a uniform game
        then a uniform position in it (positions sampled uniformly over-weight long games)."""
        if by not in SAMPLING:
            raise ValueError(f"by must be one of {SAMPLING}, got {by!r}")
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        if by == "position":
            first = (self.next_slot - self.size) % self.capacity
            slots = (first + rng.integers(0, self.size, size=count)) % self.capacity
        else:
            games = np.asarray(self._games, dtype=np.int64)
            chosen = games[rng.integers(0, len(games), size=count)]
            slots = (chosen[:, 0] + (rng.random(count) * chosen[:, 1]).astype(np.int64)) % self.capacity
        return Positions(**{name: getattr(self, name)[slots] for name in FIELDS})

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Everything needed to restore the buffer exactly (for checkpoints)."""
        order = (self.next_slot - self.size + np.arange(self.size)) % self.capacity
        arrays = {name: getattr(self, name)[order] for name in FIELDS}
        games = np.asarray(self._games, dtype=np.int64).reshape(-1, 2)
        first = (self.next_slot - self.size) % self.capacity
        arrays["game_lengths"] = games[:, 1]
        arrays["game_offsets"] = (games[:, 0] - first) % self.capacity
        arrays["counters"] = np.array([self.positions_added, self.games_added], np.int64)
        return arrays

    def load_state_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        """Restore what `state_arrays` returned (the buffer is rewritten from slot 0)."""
        size = int(arrays["z"].shape[0])
        if size > self.capacity:
            raise ValueError(f"saved buffer holds {size} positions, more than capacity {self.capacity}")
        for name in FIELDS:
            getattr(self, name)[:size] = arrays[name]
        self.size, self.next_slot = size, size % self.capacity
        self._games = deque(zip(arrays["game_offsets"].tolist(), arrays["game_lengths"].tolist(), strict=True))
        self.positions_added, self.games_added = (int(x) for x in arrays["counters"])
