"""Old import paths of boardzoo.agents (before the layered layout) keep working for now: each
is an alias of the module that holds the code today, with a DeprecationWarning on import.
README's "What moved" table lists the same map for readers."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

MOVED = {
    "boardzoo.agents.agent_loading": "boardzoo.agents.players.loading",
    "boardzoo.agents.arena": "boardzoo.agents.evaluation.arena",
    "boardzoo.agents.bc": "boardzoo.agents.training.bc",
    "boardzoo.agents.checkpoint": "boardzoo.agents.models.checkpoint",
    "boardzoo.agents.compare": "boardzoo.agents.evaluation.compare",
    "boardzoo.agents.demo": "boardzoo.agents.cli.demo",
    "boardzoo.agents.expert_iteration": "boardzoo.agents.training.expert_iteration",
    "boardzoo.agents.expert_iteration.evaluation": "boardzoo.agents.training.expert_iteration.evaluation",
    "boardzoo.agents.expert_iteration.learner": "boardzoo.agents.training.expert_iteration.learner",
    "boardzoo.agents.expert_iteration.presets": "boardzoo.agents.training.expert_iteration.presets",
    "boardzoo.agents.expert_iteration.replay": "boardzoo.agents.training.expert_iteration.replay",
    "boardzoo.agents.expert_iteration.selfplay": "boardzoo.agents.training.expert_iteration.selfplay",
    "boardzoo.agents.expert_iteration.targets": "boardzoo.agents.training.targets",
    "boardzoo.agents.expert_iteration.train": "boardzoo.agents.training.expert_iteration.train",
    "boardzoo.agents.match": "boardzoo.agents.players.match",
    "boardzoo.agents.network_evaluator": "boardzoo.agents.models.evaluator",
    "boardzoo.agents.networks": "boardzoo.agents.models.networks",
    "boardzoo.agents.play": "boardzoo.agents.cli.play",
    "boardzoo.agents.ppo": "boardzoo.agents.training.ppo",
    "boardzoo.agents.ratings": "boardzoo.agents.evaluation.ratings",
    "boardzoo.agents.evaluation.perfect_play": "boardzoo.agents.ground_truth.perfect_play",
    "boardzoo.agents.evaluation.positions": "boardzoo.agents.ground_truth.positions",
}
"""old module name -> where it lives now"""


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(f"{spec.name} moved to {self.target}; import it from there", DeprecationWarning, stacklevel=2)
        module = importlib.import_module(self.target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = self._spec  # the import system set the alias's spec on the real module


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: object, target: object = None) -> importlib.machinery.ModuleSpec | None:
        if name not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(name, _AliasLoader(MOVED[name]), is_package=name.endswith("iteration"))


def install() -> None:
    """Put the alias finder first on `sys.meta_path` (once): an old submodule name would
    otherwise be found again, as a second copy, in its aliased package's folder."""
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())
