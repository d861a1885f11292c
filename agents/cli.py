"""The `boardzoo` command: subcommands generated from their config dataclasses with tyro.

boardzoo demo
boardzoo train connect_four --minutes 30 --out runs/c4     (per-game defaults, every field overridable)
boardzoo play connect_four --agent runs/c4
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import tyro

from boardzoo.agents.arena import ArenaConfig, run_arena
from boardzoo.agents.compare import CompareConfig, run_compare
from boardzoo.agents.demo import DemoConfig, run_demo
from boardzoo.agents.play import PlayConfig, run_play

# subcommand -> (config class, what runs it); each config's docstring is its help text.
COMMANDS: dict[str, tuple[type, Callable[[Any], Any]]] = {
    "demo": (DemoConfig, run_demo),
    "play": (PlayConfig, run_play),
    "arena": (ArenaConfig, run_arena),
    "compare": (CompareConfig, run_compare),
}


def main(args: list[str] | None = None) -> None:
    """Entry point of the `boardzoo` console script."""
    args = list(sys.argv[1:] if args is None else args)
    if args and args[0] == "train":
        run_train(args[1:])
        return
    if args and args[0] in ("play", "compare") and len(args) > 1 and not args[1].startswith("-"):
        args = [args[0], "--game", args[1], *args[2:]]  # `boardzoo play <game> ...`, `boardzoo compare <game> ...`
    subcommands = {name: config_class for name, (config_class, _) in COMMANDS.items()}
    subcommands["train"] = _TrainHelp
    config = tyro.extras.subcommand_cli_from_dict(subcommands, prog="boardzoo", args=args)
    for config_class, run in COMMANDS.values():
        if isinstance(config, config_class):
            run(config)
            return


class _TrainHelp:
    """Train an agent by expert iteration: `boardzoo train <game> [--minutes M | --steps S] --out DIR`
    (run `boardzoo train --help` for the games and their defaults)."""


def run_train(args: list[str]) -> None:
    """`boardzoo train <game> ...`: the game's preset config, overridden by the flags."""
    from boardzoo.agents.expert_iteration.presets import PRESETS
    from boardzoo.agents.expert_iteration.train import train

    config = tyro.extras.overridable_config_cli(PRESETS, prog="boardzoo train", args=args, use_underscores=True)
    print(f"final checkpoint: {train(config)}")


if __name__ == "__main__":
    main()
