"""Import side effects, each in a fresh interpreter: `import boardzoo.envs` or `boardzoo.wrappers`
registers every PettingZoo and Gymnasium id, loads no adapter, warns about nothing and leaves
the process's allocator alone; the lazily exported names load their modules on first use."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from boardzoo.envs import available_games
from boardzoo.envs._registration import GYMNASIUM_IDS

# Modules that importing boardzoo.envs or boardzoo.wrappers must not load.
HEAVY = (
    "boardzoo.wrappers.aec",
    "boardzoo.wrappers.gymnasium",
    "boardzoo.wrappers.sb3",
    "boardzoo.wrappers.vector",
    "pettingzoo.classic",
    "gymnasium.envs.classic_control",
    "stable_baselines3",
    "torch",
    "pygame",
)


def run_python(code: str) -> str:
    """Run `code` in a fresh interpreter, user warnings (re-registration ones) as errors; its stdout."""
    command = [sys.executable, "-W", "error::UserWarning", "-c", textwrap.dedent(code)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_gymnasium_ids_cover_every_game():
    assert sorted(GYMNASIUM_IDS.values()) == sorted(available_games())
    assert GYMNASIUM_IDS["boardzoo/ConnectFour-v0"] == "connect_four"
    assert GYMNASIUM_IDS["boardzoo/TicTacToe-v0"] == "tic_tac_toe"


@pytest.mark.parametrize("package", ["boardzoo.envs", "boardzoo.wrappers"])
def test_import_registers_every_id_and_loads_no_adapter(package):
    run_python(
        f"""
        import sys
        import {package}
        from boardzoo.envs import available_games
        loaded = [m for m in sys.modules if m.startswith({HEAVY!r})]
        assert not loaded, loaded
        assert ("boardzoo.wrappers" in sys.modules) == ({package!r} == "boardzoo.wrappers")
        from gymnasium.envs.registration import registry
        from pettingzoo.env_registry.registration import spec
        for game_id in available_games():
            assert spec("aec", f"boardzoo/{{game_id}}_v0").entry_point == f"boardzoo.envs.{{game_id}}_v0:env"
        assert {sorted(GYMNASIUM_IDS)!r} == sorted(i for i in registry if i.startswith("boardzoo/"))
        """
    )


def test_registering_again_does_not_warn():
    # Both registries warn (UserWarning) when an id is registered again: run_python fails on it.
    run_python(
        """
        import boardzoo.envs, boardzoo.wrappers, boardzoo.wrappers.gymnasium, boardzoo.wrappers.vector
        from boardzoo.envs._registration import register_ids
        register_ids()
        """
    )


def test_gymnasium_make_after_importing_boardzoo_wrappers_only():
    out = run_python(
        """
        import gymnasium
        import boardzoo.wrappers
        gymnasium.register_envs(boardzoo.wrappers)
        env = gymnasium.make("boardzoo/ConnectFour-v0")
        obs, info = env.reset(seed=0)
        envs = gymnasium.make_vec("boardzoo/Hex-v0", num_envs=3, board_size=5)
        vector_obs, _ = envs.reset(seed=0)
        print(obs.shape, vector_obs.shape)
        """
    )
    assert out.splitlines() == ["(2, 6, 7) (3, 3, 5, 5)"]


def test_pettingzoo_factories_load_the_adapter_on_first_call():
    run_python(
        """
        import sys
        import boardzoo.envs.tic_tac_toe_v0 as tic_tac_toe_v0
        assert "boardzoo.wrappers" not in sys.modules
        env = tic_tac_toe_v0.env(render_mode="ansi")
        assert type(env).__module__ == "boardzoo.wrappers.aec"
        import pettingzoo
        env = pettingzoo.make("aec", "boardzoo/connect_four_v0", rows=5)
        env.reset(seed=0)
        assert env.unwrapped.game.params["rows"] == 5
        """
    )


def test_wrappers_exports_load_lazily():
    run_python(
        """
        import sys
        import boardzoo.wrappers as wrappers
        assert set(wrappers.__all__) <= set(dir(wrappers))
        assert "boardzoo.wrappers.sb3" not in sys.modules
        from boardzoo.wrappers import BoardGameVecEnv
        assert "boardzoo.wrappers.sb3" in sys.modules and "boardzoo.wrappers.aec" not in sys.modules
        assert BoardGameVecEnv.__module__ == "boardzoo.wrappers.sb3"
        for name in wrappers.__all__:
            assert getattr(wrappers, name) is not None, name
        assert wrappers.aec_env("hex", board_size=3).game.params["board_size"] == 3
        try:
            wrappers.NoSuchThing
        except AttributeError as error:
            assert "NoSuchThing" in str(error)
        else:
            raise AssertionError("no AttributeError")
        """
    )


def test_importing_boardzoo_envs_leaves_the_allocator_alone():
    # tune_glibc_malloc() opens libc through ctypes to call mallopt; importing must not.
    run_python(
        """
        import ctypes

        opened = []

        class Spy(ctypes.CDLL):
            def __init__(self, name, *args, **kwargs):
                opened.append(str(name))
                super().__init__(name, *args, **kwargs)

        ctypes.CDLL = Spy
        import boardzoo.envs, boardzoo.wrappers
        assert not [name for name in opened if "libc." in name], opened
        assert "tune_glibc_malloc" in boardzoo.envs.__all__
        assert isinstance(boardzoo.envs.tune_glibc_malloc(), bool)
        """
    )
