"""Behavioural cloning: train a policy network to copy an expert's moves from an expert dataset
(`boardzoo.agents.training.expert_data`), on the shared run skeleton.

    path = train_bc(BCConfig(out="runs/bc_c4", dataset="runs/c4_uct1000.npz"))   # plays without search
    boardzoo bc --dataset runs/c4_uct1000.npz --expert uct:1000 --expert-games 300 --out runs/bc_c4

If `dataset` does not exist, it is made first from `expert_games` games of `expert` (a player
spec) and saved there. The trainer minimises cross-entropy to the expert's move (`target =
"action"`) or to its search policy where recorded (`"policy"`), and fits the value head to z
(`value_weight`). The run folder is the shared one (checkpoints, `latest`, metrics.jsonl); a
stopped run resumes from its last checkpoint into the same later checkpoints (step budget).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from boardzoo.agents.models import NetworkConfig, build_network, load_checkpoint, load_training_state
from boardzoo.agents.players import parse_spec, player_from_spec
from boardzoo.agents.training.expert_data import ExpertDataset, generate_dataset
from boardzoo.agents.training.losses import policy_value_losses
from boardzoo.agents.training.positions import Positions, augment
from boardzoo.agents.training.run import RUN_FIELDS, Callback, Run, RunConfig, set_threads
from boardzoo.agents.training.run_folder import RunFolder, check_resumable
from boardzoo.agents.validation import check_choice, check_ints, check_numbers
from boardzoo.envs import make

TARGETS = ("action", "policy")
LOSS_WINDOW = 50
"""steps over which the reported loss is averaged"""
RESUMABLE_CHANGES = (*RUN_FIELDS, "keep_checkpoints", "checkpoint_interval", "log_interval")


@dataclass(frozen=True)
class BCConfig(RunConfig):
    """Train a policy network to imitate an expert dataset."""

    out: str = "runs/bc"
    """run folder (checkpoints, logs); an existing run there is resumed"""
    steps: int | None = 2_000
    """optimizer steps (None = minutes only)"""
    dataset: str = ""
    """the expert dataset (.npz); made from `expert` first if the file does not exist"""
    game: str = "connect_four"
    """game of a dataset to be made (an existing dataset names its own)"""
    game_params: dict[str, int] = field(default_factory=dict)
    expert: str = "uct:1000"
    """player spec of the expert that makes a missing dataset"""
    expert_games: int = 300
    """games the expert plays to make a missing dataset"""
    network: NetworkConfig = field(default_factory=lambda: NetworkConfig(kind="resnet", blocks=4, channels=32))
    target: str = "action"
    """"action" (the expert's move) or "policy" (its search policy where recorded, else its move)"""
    value_weight: float = 0.5
    """weight of the value loss on z (0 = policy only)"""
    batch_size: int = 256
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    augment: bool = True
    """random board symmetries of the game"""
    checkpoint_interval: int = 1_000
    """optimizer steps between checkpoints"""
    keep_checkpoints: int = 3
    log_interval: int = 50
    """optimizer steps between metric lines"""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice(self, "target", TARGETS)
        check_ints(self, ("batch_size", "expert_games", "checkpoint_interval", "keep_checkpoints", "log_interval"))
        check_numbers(self, ("learning_rate",), low=0, low_open=True)
        check_numbers(self, ("value_weight", "weight_decay"), low=0)
        parse_spec(self.expert, "expert")


def policy_targets(data: ExpertDataset, target: str) -> np.ndarray:
    """float32[K, A]: one-hot expert moves, or the search policy where recorded."""
    one_hot = np.zeros(data.legal.shape, np.float32)
    one_hot[np.arange(len(data)), data.action] = 1.0
    if target == "policy":
        return np.where(data.has_policy[:, None], data.policy, one_hot).astype(np.float32)
    return one_hot


def load_or_make_dataset(config: BCConfig) -> ExpertDataset:
    """The config's dataset, made from its expert (and saved) if the file does not exist yet."""
    if not config.dataset:
        raise ValueError("give a dataset path (dataset=...): it is read, or made there from the expert")
    path = Path(config.dataset)
    if path.is_file():
        return ExpertDataset.load(path)
    game = make(config.game, **config.game_params)
    expert = player_from_spec(game, config.expert)
    data = generate_dataset(
        game,
        expert,
        config.expert_games,
        np.random.default_rng(config.seed),
        expert_name=config.expert,
        progress=config.progress_bar,
    )
    data.save(path)
    return data


class BCTrainer:
    """One behavioural-cloning run (see the module docstring)."""

    def __init__(self, config: BCConfig, data: ExpertDataset, callbacks: Sequence[Callback] = ()) -> None:
        self.config = config
        self.data = data
        self.callbacks = tuple(callbacks)
        self.game = data.game()
        self.folder = RunFolder(config.out, keep=config.keep_checkpoints)
        set_threads(config.threads)
        torch.manual_seed(config.seed)
        self.rng = np.random.default_rng(config.seed)
        self.device = torch.device(config.device)
        self.network = build_network(config.network, self.game.observation_shape, self.game.num_actions)
        self.network.to(self.device)
        self.optimizer = torch.optim.AdamW(
            self.network.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
        )
        self.targets = policy_targets(data, config.target)
        self.step = 0
        self.seconds = 0.0
        self.losses: list[float] = []

    def run(self) -> Path:
        """Train until the budget is spent (or Ctrl-C/SIGTERM); returns the final checkpoint."""
        config = self.config
        self.folder.prepare()
        self._resume()
        run = Run(
            config.budget(),
            description="behavioural cloning",
            progress_bar=config.progress_bar,
            callbacks=self.callbacks,
            seconds=self.seconds,
            step=self.step,
        )
        try:
            with run:
                while not run.should_stop():
                    loss = self._train_step()
                    if self.step % config.log_interval == 0:
                        self.folder.log(
                            {
                                "kind": "train",
                                "step": self.step,
                                "elapsed_s": run.seconds,
                                "loss": float(np.mean(self.losses[-config.log_interval :])),
                            }
                        )
                    self.network.eval()
                    if self.step % config.checkpoint_interval == 0:
                        self._checkpoint(run.seconds)
                    run.tick(self.step, self.network, loss=f"{loss:.3f}")
                path = self._checkpoint(run.seconds)
                run.notify(self.network)
        finally:
            self.folder.close()
        return path

    def _train_step(self) -> float:
        config, data = self.config, self.data
        pick = self.rng.integers(0, len(data), size=config.batch_size)
        batch = Positions(data.observation[pick], data.legal[pick], self.targets[pick], data.z[pick], data.z[pick])
        if config.augment:
            batch = augment(self.game, batch, self.rng)
        self.network.train()
        terms = policy_value_losses(self.network, batch, 0.0, self.device)  # value target: z
        loss = terms["policy_cross_entropy"] + config.value_weight * terms["value_mse"]
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        self.losses.append(float(loss.detach()))
        return self.losses[-1]

    def _checkpoint(self, seconds: float) -> Path:
        state = {
            "optimizer": self.optimizer.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "rng": json.dumps(self.rng.bit_generator.state),
            "step": self.step,
            "seconds": seconds,
            "recent_losses": torch.tensor(self.losses[-LOSS_WINDOW:], dtype=torch.float64),
        }
        final_loss = float(np.mean(self.losses[-LOSS_WINDOW:])) if self.losses else None
        return self.folder.save(
            self.step,
            self.game,
            self.network,
            training_state=state,
            training_config={**dataclasses.asdict(self.config), "dataset_metadata": self.data.metadata},
            extra={"agent": "bc", "final_loss": final_loss},
        )

    def _resume(self) -> None:
        path = self.folder.latest()
        if path is None:
            return
        checkpoint = load_checkpoint(path, self.game, self.device)
        self.folder.rewind_metrics(checkpoint.step)
        mine = {**dataclasses.asdict(self.config), "dataset_metadata": self.data.metadata}
        check_resumable(self.folder.path, checkpoint.config["training"], mine, RESUMABLE_CHANGES)
        self.network.load_state_dict(checkpoint.network.state_dict())
        state = load_training_state(path)
        self.optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        self.rng.bit_generator.state = json.loads(state["rng"])
        self.step = int(state["step"])
        self.seconds = float(state["seconds"])
        self.losses = [float(x) for x in state["recent_losses"]]
        tqdm.write(f"resuming {self.folder.path} from {path.name}", file=sys.stderr)


def train_bc(config: BCConfig, data: ExpertDataset | None = None, callbacks: Sequence[Callback] = ()) -> Path:
    """Train on `data` (default: the config's dataset, made first if missing); returns the final
    checkpoint (`load_player(path, simulations=0)` plays it)."""
    data = load_or_make_dataset(config) if data is None else data
    return BCTrainer(config, data, callbacks).run()
