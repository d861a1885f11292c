"""boardzoo.agents.training: one run skeleton (`run`, `run_folder`) under every trainer:
expert iteration, PPO, behavioural cloning and distillation."""

from boardzoo.agents.training.bc import BCConfig, train_bc
from boardzoo.agents.training.distillation import DistillConfig, distill
from boardzoo.agents.training.expert_data import ExpertDataset, generate_dataset
from boardzoo.agents.training.expert_iteration import PRESETS, EvaluationConfig, TrainConfig, train
from boardzoo.agents.training.ppo import PPOConfig, train_ppo
from boardzoo.agents.training.run import Budget, Callback, Progress, Run, RunConfig
from boardzoo.agents.training.run_folder import RunFolder
from boardzoo.agents.training.teacher import AlphaSchedule, TeacherConfig

__all__ = [
    "PRESETS",
    "AlphaSchedule",
    "BCConfig",
    "Budget",
    "Callback",
    "DistillConfig",
    "EvaluationConfig",
    "ExpertDataset",
    "PPOConfig",
    "Progress",
    "Run",
    "RunConfig",
    "RunFolder",
    "TeacherConfig",
    "TrainConfig",
    "distill",
    "generate_dataset",
    "train",
    "train_bc",
    "train_ppo",
]
