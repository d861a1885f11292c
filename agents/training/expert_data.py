"""Expert datasets: an expert's self-play games recorded as positions, moves and policies, for
behavioural cloning (`boardzoo.agents.training.bc`) and distillation.

    data = generate_dataset(game, expert, num_games=2000, rng=rng)      # any boardzoo player
    data.save("runs/bc/c4_uct10k.npz"); data = ExpertDataset.load(...)

Dataset format (one `.npz`, read with `allow_pickle=False`; K positions, A actions):
  observation float32[K, C, H, W]  the position from the mover's view (`game.observe`)
  legal       bool[K, A]           legal actions
  action      int64[K]             the expert's move
  policy      float32[K, A]        the expert's search policy (visit counts, or the Gumbel
                                   improved policy) where it has one; zeros otherwise
  has_policy  bool[K]
  z           float32[K]           the game's outcome for the mover
  metadata    str (JSON)           game id + params, expert name, games, seed, opening plies

Expert games are self-play of the expert in both seats. The first `random_opening_plies`
plies of each game are uniformly random and not recorded, so a deterministic expert still
yields varied games.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from boardzoo.agents.atomic import write_atomically
from boardzoo.agents.players import Player, SearchPlayer
from boardzoo.envs import Game, make, sample_legal_actions

ARRAYS = ("observation", "legal", "action", "policy", "has_policy", "z")


@dataclass(frozen=True)
class ExpertDataset:
    """Expert positions and moves (see the module docstring for the fields)."""

    observation: np.ndarray
    legal: np.ndarray
    action: np.ndarray
    policy: np.ndarray
    has_policy: np.ndarray
    z: np.ndarray
    metadata: dict[str, Any]

    def __len__(self) -> int:
        return int(self.action.shape[0])

    def save(self, path: str | Path) -> Path:
        """Write the `.npz` atomically."""
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer, **{name: getattr(self, name) for name in ARRAYS}, metadata=np.array(json.dumps(self.metadata))
        )
        return write_atomically(path, buffer.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> ExpertDataset:
        """Read a dataset written by `save` (ValueError naming what is missing or inconsistent)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                missing = [name for name in (*ARRAYS, "metadata") if name not in data.files]
                if missing:
                    raise ValueError(f"{path} is not a boardzoo expert dataset: missing {missing}")
                arrays = {name: data[name] for name in ARRAYS}
                metadata = json.loads(str(data["metadata"]))
        except (OSError, EOFError) as error:
            raise ValueError(f"{path} cannot be read as an expert dataset: {error}") from error
        sizes = {name: array.shape[0] for name, array in arrays.items()}
        if len(set(sizes.values())) != 1:
            raise ValueError(f"{path}: arrays disagree on the number of positions: {sizes}")
        return cls(**arrays, metadata=metadata)

    @classmethod
    def concatenate(cls, parts: list[ExpertDataset]) -> ExpertDataset:
        """One dataset of every part's positions (the first part's metadata, games summed)."""
        if not parts:
            raise ValueError("nothing to concatenate")
        arrays = {name: np.concatenate([getattr(part, name) for part in parts]) for name in ARRAYS}
        return cls(**arrays, metadata={**parts[0].metadata, "games": sum(p.metadata["games"] for p in parts)})

    def game(self) -> Game:
        return make(self.metadata["game"]["id"], **self.metadata["game"]["params"])


def generate_dataset(
    game: Game,
    expert: Player,
    num_games: int,
    rng: np.random.Generator,
    *,
    expert_name: str = "expert",
    random_opening_plies: int = 2,
    batch_size: int = 256,
    progress: bool = False,
) -> ExpertDataset:
    """Play `num_games` expert self-play games (B at a time) and record every expert move."""
    if num_games < 1 or random_opening_plies < 0:
        raise ValueError(
            f"num_games must be >= 1 and random_opening_plies >= 0, got {num_games}, {random_opening_plies}"
        )
    parts: dict[str, list[np.ndarray]] = {name: [] for name in ARRAYS}
    bar = tqdm(total=num_games, desc="expert games", unit="game", disable=not progress)
    for start in range(0, num_games, batch_size):
        count = min(batch_size, num_games - start)
        for name, array in _play_batch(game, expert, count, rng, random_opening_plies).items():
            parts[name].append(array)
        bar.update(count)
    bar.close()
    arrays = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    metadata = {
        "game": {"id": game.id, "params": dict(game.params)},
        "expert": expert_name,
        "games": num_games,
        "random_opening_plies": random_opening_plies,
    }
    return ExpertDataset(**arrays, metadata=metadata)


def _play_batch(
    game: Game, expert: Player, count: int, rng: np.random.Generator, random_opening_plies: int
) -> dict[str, np.ndarray]:
    state = game.init(count)
    returns = np.zeros((count, game.num_players), np.float32)
    records: list[dict[str, np.ndarray]] = []
    while not state.done.all():
        rows = np.flatnonzero(~state.done)
        if int(state.step_count[rows[0]]) < random_opening_plies:  # all games share the opening plies
            state = game.step(state, sample_legal_actions(state.legal_action_mask, rng))
            returns += state.rewards
            continue
        sub = state.take(rows)
        actions = np.asarray(expert.act(sub, rng), dtype=np.int64)
        policy, has_policy = _expert_policy(expert, sub.batch_size, game.num_actions)
        records.append(
            {
                "rows": rows,
                "observation": game.observe(sub),
                "legal": sub.legal_action_mask.copy(),
                "action": actions,
                "policy": policy,
                "has_policy": has_policy,
                "player": sub.current_player.copy(),
            }
        )
        full = np.full(count, -1, np.int64)
        full[rows] = actions
        state = game.step(state, full)
        returns += state.rewards
    arrays = {name: np.concatenate([r[name] for r in records]) for name in (*ARRAYS[:-1], "rows", "player")}
    arrays["z"] = returns[arrays.pop("rows"), arrays.pop("player")]
    return arrays


def _expert_policy(expert: Player, rows: int, num_actions: int) -> tuple[np.ndarray, np.ndarray]:
    search = expert.last_search if isinstance(expert, SearchPlayer) else None
    if search is not None and search.policy.shape[0] == rows:
        return search.policy.astype(np.float32), np.ones(rows, bool)
    return np.zeros((rows, num_actions), np.float32), np.zeros(rows, bool)
