"""boardzoo.agents.models: network families built from frozen configs, the torch evaluator that
lets search call a network, the checkpoint format, function-preserving growth (Net2Net) and a
size/speed profile."""

from boardzoo.agents.models.checkpoint import (
    Checkpoint,
    CheckpointError,
    load_arrays,
    load_checkpoint,
    load_training_state,
    read_config,
    save_checkpoint,
)
from boardzoo.agents.models.evaluator import TorchEvaluator
from boardzoo.agents.models.families import available_families, build_from_config, register_family
from boardzoo.agents.models.growth import carry_optimizer_state, deepen, widen
from boardzoo.agents.models.networks import (
    NetworkConfig,
    PolicyValueNet,
    build_network,
    build_trunk,
    count_parameters,
    flops_per_evaluation,
    mask_logits,
)
from boardzoo.agents.models.profile import NetworkProfile, profile_network

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "NetworkConfig",
    "NetworkProfile",
    "PolicyValueNet",
    "TorchEvaluator",
    "available_families",
    "build_from_config",
    "build_network",
    "build_trunk",
    "carry_optimizer_state",
    "count_parameters",
    "deepen",
    "flops_per_evaluation",
    "load_arrays",
    "load_checkpoint",
    "load_training_state",
    "mask_logits",
    "profile_network",
    "read_config",
    "register_family",
    "save_checkpoint",
    "widen",
]
