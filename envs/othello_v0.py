"""PettingZoo factories for othello; rules in `boardzoo.envs.othello`.

env = boardzoo.envs.othello_v0.env(render_mode="ansi")   # game parameters as keywords
"""

from functools import partial

from boardzoo.wrappers import aec

env = partial(aec.env, "othello")
raw_env = partial(aec.raw_env, "othello")

__all__ = ["env", "raw_env"]
