"""boardzoo.agents.cli: the `boardzoo` command (see `boardzoo.agents.cli.app`)."""

from boardzoo.agents.cli.app import main

__all__ = ["main"]
