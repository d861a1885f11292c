"""Every game's ids in PettingZoo's and Gymnasium's registries, by entry-point strings.

    pettingzoo.make("aec", "boardzoo/connect_four_v0")   -> boardzoo.envs.connect_four_v0:env
    gymnasium.make("boardzoo/ConnectFour-v0")            -> boardzoo.wrappers.gymnasium:make_single_agent
    gymnasium.make_vec("boardzoo/ConnectFour-v0", 64)    -> boardzoo.wrappers.vector:make_vector

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
                entry_point="boardzoo.wrappers.gymnasium:make_single_agent",
                vector_entry_point="boardzoo.wrappers.vector:make_vector",
                kwargs={"game_id": game_id},
                disable_env_checker=False,
            )
