"""The `boardzoo` command: subcommands generated from their config dataclasses with tyro."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tyro

from boardzoo.agents.demo import DemoConfig, run_demo

# subcommand -> (config class, what runs it); each config's docstring is its help text.
COMMANDS: dict[str, tuple[type, Callable[[Any], Any]]] = {
    "demo": (DemoConfig, run_demo),
}


def main(args: list[str] | None = None) -> None:
    """Entry point of the `boardzoo` console script."""
    config = tyro.extras.subcommand_cli_from_dict(
        {name: config_class for name, (config_class, _) in COMMANDS.items()}, prog="boardzoo", args=args
    )
    for config_class, run in COMMANDS.values():
        if isinstance(config, config_class):
            run(config)
            return


if __name__ == "__main__":
    main()
