"""PettingZoo factories for Gomoku; rules in `boardzoo.envs.gomoku`.

env = boardzoo.envs.gomoku_v0.env(render_mode="ansi")   # game parameters as keywords
"""

from functools import partial

from boardzoo.wrappers import aec

env = partial(aec.env, "gomoku")
raw_env = partial(aec.raw_env, "gomoku")

__all__ = ["env", "raw_env"]
