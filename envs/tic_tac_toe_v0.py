"""PettingZoo factories for tic-tac-toe, classic style; rules in `boardzoo.envs.tic_tac_toe`.

    env = boardzoo.envs.tic_tac_toe_v0.env(render_mode="ansi")   # game parameters as keywords

The adapter (`boardzoo.wrappers.aec`, and PettingZoo) loads on the first call.
"""

from typing import Any


def env(**kwargs: Any) -> Any:
    """The AEC env, ready to use: `boardzoo.wrappers.aec.env("tic_tac_toe", **kwargs)`."""
    from boardzoo.wrappers.aec import env

    return env("tic_tac_toe", **kwargs)


def raw_env(**kwargs: Any) -> Any:
    """The unwrapped AEC env: `boardzoo.wrappers.aec.raw_env("tic_tac_toe", **kwargs)`."""
    from boardzoo.wrappers.aec import raw_env

    return raw_env("tic_tac_toe", **kwargs)
