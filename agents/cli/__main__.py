"""`python -m boardzoo.agents.cli`: the `boardzoo` command."""

from boardzoo.agents.cli.app import main

main()
