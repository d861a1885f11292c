"""PettingZoo factories for hex; rules in `boardzoo.envs.hex`.

env = boardzoo.envs.hex_v0.env(render_mode="ansi")   # game parameters as keywords
"""

from functools import partial

from boardzoo.wrappers import aec

env = partial(aec.env, "hex")
raw_env = partial(aec.raw_env, "hex")

__all__ = ["env", "raw_env"]
