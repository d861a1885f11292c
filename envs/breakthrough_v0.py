"""PettingZoo factories for breakthrough; rules in `boardzoo.envs.breakthrough`.

env = boardzoo.envs.breakthrough_v0.env(render_mode="ansi")   # game parameters as keywords
"""

from functools import partial

from boardzoo.wrappers import aec

env = partial(aec.env, "breakthrough")
raw_env = partial(aec.raw_env, "breakthrough")

__all__ = ["env", "raw_env"]
