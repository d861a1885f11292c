"""PettingZoo factories for connect four; rules in `boardzoo.envs.connect_four`.

env = boardzoo.envs.connect_four_v0.env(render_mode="ansi")   # game parameters as keywords
"""

from functools import partial

from boardzoo.wrappers import aec

env = partial(aec.env, "connect_four")
raw_env = partial(aec.raw_env, "connect_four")

__all__ = ["env", "raw_env"]
