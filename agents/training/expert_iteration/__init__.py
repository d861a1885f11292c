"""Expert iteration (AlphaZero-style): self-play with batched search, replay, learner, training loop."""

from boardzoo.agents.training.expert_iteration.evaluation import EvaluationConfig, evaluate_network
from boardzoo.agents.training.expert_iteration.learner import Learner, LearnerConfig
from boardzoo.agents.training.expert_iteration.presets import PRESETS
from boardzoo.agents.training.expert_iteration.replay import ReplayBuffer
from boardzoo.agents.training.expert_iteration.selfplay import SelfPlay, SelfPlayConfig
from boardzoo.agents.training.expert_iteration.train import TrainConfig, Trainer, train

__all__ = [
    "PRESETS",
    "EvaluationConfig",
    "Learner",
    "LearnerConfig",
    "ReplayBuffer",
    "SelfPlay",
    "SelfPlayConfig",
    "TrainConfig",
    "Trainer",
    "evaluate_network",
    "train",
]
