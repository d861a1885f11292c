"""PettingZoo factories for Othello, classic style; rules in `boardzoo.envs.othello`.

    env = boardzoo.envs.othello_v0.env(render_mode="ansi")   # game parameters as keywords

The adapter (`boardzoo.wrappers.aec`, and PettingZoo) loads on the first call.
"""

from typing import Any


def env(**kwargs: Any) -> Any:
    """The AEC env, ready to use: `boardzoo.wrappers.aec.env("othello", **kwargs)`."""
    from boardzoo.wrappers.aec import env

    return env("othello", **kwargs)


def raw_env(**kwargs: Any) -> Any:
    """The unwrapped AEC env: `boardzoo.wrappers.aec.raw_env("othello", **kwargs)`."""
    from boardzoo.wrappers.aec import raw_env

    return raw_env("othello", **kwargs)
