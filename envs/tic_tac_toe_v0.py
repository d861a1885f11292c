"""PettingZoo factories for tic tac toe; rules in `boardzoo.envs.tic_tac_toe`.

env = boardzoo.envs.tic_tac_toe_v0.env(render_mode="ansi")   # game parameters as keywords
"""

from functools import partial

from boardzoo.wrappers import aec

env = partial(aec.env, "tic_tac_toe")
raw_env = partial(aec.raw_env, "tic_tac_toe")

__all__ = ["env", "raw_env"]
