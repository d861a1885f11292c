"""PettingZoo factories for go; rules in `boardzoo.envs.go`.

env = boardzoo.envs.go_v0.env(render_mode="ansi")   # game parameters as keywords
"""

from functools import partial

from boardzoo.wrappers import aec

env = partial(aec.env, "go")
raw_env = partial(aec.raw_env, "go")

__all__ = ["env", "raw_env"]
