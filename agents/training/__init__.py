"""boardzoo.agents.training: one run skeleton (`run`, `run_folder`) under every trainer:
expert iteration, PPO and behavioural cloning."""

from boardzoo.agents.training.bc import BCConfig, train_bc
from boardzoo.agents.training.expert_data import ExpertDataset, generate_dataset
from boardzoo.agents.training.expert_iteration import PRESETS, EvaluationConfig, TrainConfig, train
from boardzoo.agents.training.ppo import PPOConfig, train_ppo
from boardzoo.agents.training.run import Budget, Callback, Progress, Run, RunConfig
from boardzoo.agents.training.run_folder import RunFolder

__all__ = [
    "PRESETS",
    "BCConfig",
    "Budget",
    "Callback",
    "EvaluationConfig",
    "ExpertDataset",
    "PPOConfig",
    "Progress",
    "Run",
    "RunConfig",
    "RunFolder",
    "TrainConfig",
    "generate_dataset",
    "train",
    "train_bc",
    "train_ppo",
]
