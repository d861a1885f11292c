"""The network-family registry: a checkpoint's "network" entry names its family, and the family
rebuilds the network from that entry. Entry points are strings, so loading a checkpoint imports
only the family it needs and no module has to import the trainer that made the network.

    config, network = build_from_config({"family": "policy_value", "kind": "resnet", ...}, game)
"""

from __future__ import annotations

import importlib
from typing import Any

import torch

from boardzoo.envs import Game

DEFAULT_FAMILY = "policy_value"
"""the family of an entry without a "family" key (every `NetworkConfig`)"""

_FAMILIES: dict[str, str] = {
    "policy_value": "boardzoo.agents.models.networks:build_from_dict",
    "sb3_maskable_ppo": "boardzoo.agents.models.ppo_network:build_from_dict",
}


class UnknownFamilyError(ValueError):
    """A network entry names a family that is not registered."""


def register_family(name: str, entry_point: str) -> None:
    """Register `entry_point` ("module:function", called as function(entry, game) -> (config,
    network)) under `name`; re-registering the same entry point is a no-op."""
    module, _, function = entry_point.partition(":")
    if not module or not function:
        raise ValueError(f"entry_point must look like 'package.module:function', got {entry_point!r}")
    if _FAMILIES.get(name, entry_point) != entry_point:
        raise ValueError(f"network family {name!r} is already registered as {_FAMILIES[name]!r}")
    _FAMILIES[name] = entry_point


def available_families() -> tuple[str, ...]:
    return tuple(sorted(_FAMILIES))


def build_from_config(entry: dict[str, Any], game: Game) -> tuple[Any, torch.nn.Module]:
    """The (config, freshly initialised network) a checkpoint's "network" entry describes."""
    family = entry.get("family", DEFAULT_FAMILY)
    if family not in _FAMILIES:
        raise UnknownFamilyError(f"unknown network family {family!r}; known: {', '.join(available_families())}")
    module, _, function = _FAMILIES[family].partition(":")
    return getattr(importlib.import_module(module), function)(entry, game)
