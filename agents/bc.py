"""Behavioural cloning: record an expert's games, then train a policy network to copy its moves.

    data = generate_dataset(game, expert, num_games=2000, rng=rng)      # any boardzoo player
    data.save("runs/bc/c4_uct10k.npz"); data = ExpertDataset.load(...)
    path = train_bc(BCConfig(out="runs/bc_c4"), data)                  # a checkpoint; plays without search

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
yields varied games. The trainer minimises cross-entropy to the expert's move (`target =
"action"`) or to its search policy where recorded (`"policy"`). It can also fit the value
head to z (`value_weight`).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from boardzoo.agents.checkpoint import save_checkpoint
from boardzoo.agents.expert_iteration.learner import augment, policy_value_losses
from boardzoo.agents.expert_iteration.replay import Positions
from boardzoo.agents.networks import NetworkConfig, build_network
from boardzoo.agents.players import Player, SearchPlayer
from boardzoo.agents.search import GumbelOutput, policy_from_visits
from boardzoo.envs import Game, make, sample_legal_actions

ARRAYS = ("observation", "legal", "action", "policy", "has_policy", "z")
TARGETS = ("action", "policy")


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
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **{name: getattr(self, name) for name in ARRAYS},
                            metadata=np.array(json.dumps(self.metadata)))  # fmt: skip
        staging = path.with_name(f".{path.name}.tmp")
        staging.write_bytes(buffer.getvalue())
        os.replace(staging, path)
        return path

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

    def game(self) -> Game:
        return make(self.metadata["game"]["id"], **self.metadata["game"]["params"])


def generate_dataset(game: Game, expert: Player, num_games: int, rng: np.random.Generator, *,
                     expert_name: str = "expert", random_opening_plies: int = 2,
                     batch_size: int = 256, progress: bool = False) -> ExpertDataset:  # fmt: skip
    """Play `num_games` expert self-play games (B at a time) and record every expert move."""
    if num_games < 1 or random_opening_plies < 0:
        raise ValueError(f"num_games must be >= 1 and random_opening_plies >= 0, got {num_games}, "
                         f"{random_opening_plies}")  # fmt: skip
    parts: dict[str, list[np.ndarray]] = {name: [] for name in ARRAYS}
    bar = tqdm(total=num_games, desc="expert games", unit="game", disable=not progress)
    for start in range(0, num_games, batch_size):
        count = min(batch_size, num_games - start)
        for name, array in _play_batch(game, expert, count, rng, random_opening_plies).items():
            parts[name].append(array)
        bar.update(count)
    bar.close()
    arrays = {name: np.concatenate(chunks) for name, chunks in parts.items()}
    metadata = {"game": {"id": game.id, "params": dict(game.params)}, "expert": expert_name, "games": num_games,
                "random_opening_plies": random_opening_plies}  # fmt: skip
    return ExpertDataset(**arrays, metadata=metadata)


def _play_batch(game: Game, expert: Player, count: int, rng: np.random.Generator,
                random_opening_plies: int) -> dict[str, np.ndarray]:  # fmt: skip
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
        records.append({"rows": rows, "observation": game.observe(sub), "legal": sub.legal_action_mask.copy(),
                        "action": actions, "policy": policy, "has_policy": has_policy,
                        "player": sub.current_player.copy()})  # fmt: skip
        full = np.full(count, -1, np.int64)
        full[rows] = actions
        state = game.step(state, full)
        returns += state.rewards
    arrays = {name: np.concatenate([r[name] for r in records]) for name in (*ARRAYS[:-1], "rows", "player")}
    arrays["z"] = returns[arrays.pop("rows"), arrays.pop("player")]
    return arrays


def _expert_policy(expert: Player, rows: int, num_actions: int) -> tuple[np.ndarray, np.ndarray]:
    search = getattr(expert, "last_search", None) if isinstance(expert, SearchPlayer) else None
    if isinstance(search, GumbelOutput):
        return search.improved_policy.astype(np.float32), np.ones(rows, bool)
    if search is not None and search.visits.shape[0] == rows:
        return policy_from_visits(search.visits, 1.0), np.ones(rows, bool)
    return np.zeros((rows, num_actions), np.float32), np.zeros(rows, bool)


@dataclass(frozen=True)
class BCConfig:
    """Train a policy network to imitate an expert dataset."""

    out: str = "runs/bc"
    """checkpoint folder of the trained network"""
    network: NetworkConfig = field(default_factory=lambda: NetworkConfig(kind="resnet", blocks=4, channels=32))
    target: str = "action"
    """"action" (the expert's move) or "policy" (its search policy where recorded, else its move)"""
    value_weight: float = 0.5
    """weight of the value loss on z (0 = policy only)"""
    steps: int = 2_000
    """optimizer steps"""
    minutes: float | None = None
    """optional wall-clock cap"""
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    augment: bool = True
    """random board symmetries of the game"""
    seed: int = 0
    device: str = "cpu"
    progress_bar: bool = True

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}, got {self.target!r}")
        if self.steps < 1 or self.batch_size < 1 or self.learning_rate <= 0 or self.value_weight < 0:
            raise ValueError("steps, batch_size and learning_rate must be positive and value_weight >= 0")


def policy_targets(data: ExpertDataset, target: str) -> np.ndarray:
    """float32[K, A]: one-hot expert moves, or the search policy where recorded."""
    one_hot = np.zeros(data.legal.shape, np.float32)
    one_hot[np.arange(len(data)), data.action] = 1.0
    if target == "policy":
        return np.where(data.has_policy[:, None], data.policy, one_hot).astype(np.float32)
    return one_hot


def train_bc(config: BCConfig, data: ExpertDataset, on_step: Any = None) -> Path:
    """Train on the dataset; returns the checkpoint (`load_player(path, search=False)` plays it).

    `on_step(step, network)`, if given, is called after every step (the comparison uses it to
    snapshot the network)."""
    game = data.game()
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    device = torch.device(config.device)
    network = build_network(config.network, game.observation_shape, game.num_actions).to(device)
    optimizer = torch.optim.AdamW(network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    targets = policy_targets(data, config.target)
    start = time.perf_counter()
    # The bar counts steps, or seconds when the time cap is what ends training.
    timed = config.minutes is not None and config.steps >= 10**6
    total = int(60 * config.minutes) if timed else config.steps  # type: ignore[operator]
    bar = tqdm(total=total, desc="behavioural cloning", unit="s" if timed else "step", disable=not config.progress_bar)
    losses = []
    for step in range(config.steps):
        if config.minutes is not None and time.perf_counter() - start > 60 * config.minutes:
            break
        pick = rng.integers(0, len(data), size=config.batch_size)
        batch = Positions(data.observation[pick], data.legal[pick], targets[pick], data.z[pick], data.z[pick])
        if config.augment:
            batch = augment(game, batch, rng)
        network.train()
        terms = policy_value_losses(network, batch, 0.0, device)  # value target: z
        loss = terms["policy_cross_entropy"] + config.value_weight * terms["value_mse"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
        bar.update(int(time.perf_counter() - start) - bar.n if timed else 1)
        if step % 50 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}", refresh=False)
        if on_step is not None:
            network.eval()
            on_step(step + 1, network)
    bar.close()
    network.eval()
    final_loss = float(np.mean(losses[-50:])) if losses else None
    return save_checkpoint(Path(config.out), game, network, step=len(losses),
                           training_config={**dataclasses.asdict(config), "dataset": data.metadata},
                           extra={"agent": "bc", "final_loss": final_loss})  # fmt: skip
