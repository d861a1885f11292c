"""Every game's ids in PettingZoo's and Gymnasium's registries, by entry-point strings.

    pettingzoo.make("aec", "boardzoo/connect_four_v0")   -> boardzoo.envs.connect_four_v0:env
    gymnasium.make("boardzoo/ConnectFour-v0")            -> boardzoo.wrappers.gymnasium:make_connect_four
    gymnasium.make_vec("boardzoo/ConnectFour-v0", 64)    -> boardzoo.wrappers.vector:make_connect_four

The Gymnasium entry points are one per game and take no game id, so a keyword given to
`gymnasium.make` (which overrides a spec's kwargs) cannot turn one id into another game.

`register_ids()` runs when `boardzoo.envs` is imported (and so when `boardzoo.wrappers` is).
It imports only the two registry modules, never an adapter: the entry points load on the
first `make`. Ids already registered are skipped, so registering again never warns.
"""

from __future__ import annotations

from boardzoo.envs.registry import available_games


def gymnasium_id(game_id: str) -> str:
    """The Gymnasium id of a game: "connect_four" -> "boardzoo/ConnectFour-v0"."""
    return f"boardzoo/{''.join(word.capitalize() for word in game_id.split('_'))}-v0"


def pettingzoo_id(game_id: str) -> str:
    """The PettingZoo AEC id of a game: "connect_four" -> "boardzoo/connect_four_v0"."""
    return f"boardzoo/{game_id}_v0"


# Gymnasium id -> game id, e.g. "boardzoo/ConnectFour-v0" -> "connect_four".
GYMNASIUM_IDS = {gymnasium_id(game_id): game_id for game_id in available_games()}
ENTRY_POINT_PREFIX = "make_"


def game_of_entry_point(name: str) -> str | None:
    """The game of a Gymnasium entry-point name ("make_connect_four" -> "connect_four"), or None."""
    game_id = name.removeprefix(ENTRY_POINT_PREFIX)
    return game_id if name.startswith(ENTRY_POINT_PREFIX) and game_id in available_games() else None


def register_ids() -> None:
    """Register every game's PettingZoo AEC id and Gymnasium id (single-agent and vector)."""
    # The registries only (each also imports its package's core, no env); see the module doc.
    from gymnasium.envs.registration import register, registry
    from pettingzoo.env_registry.registration import EnvSpec, aec_registry
    from pettingzoo.env_registry.registration import register as register_aec

    for game_id in available_games():
        entry_point = f"boardzoo.envs.{game_id}_v0:env"
        spec = EnvSpec(pettingzoo_id(game_id), entry_point=entry_point)
        if spec.id not in aec_registry:  # spec.id is the key PettingZoo files it under (".._v0" -> "..-v0")
            register_aec("aec", spec.id, entry_point=entry_point)
    for env_id, game_id in GYMNASIUM_IDS.items():
        if env_id not in registry:
            register(
                env_id,
                entry_point=f"boardzoo.wrappers.gymnasium:{ENTRY_POINT_PREFIX}{game_id}",
                vector_entry_point=f"boardzoo.wrappers.vector:{ENTRY_POINT_PREFIX}{game_id}",
                disable_env_checker=False,
            )
