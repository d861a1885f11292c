"""boardzoo.agents.players: one protocol, `act(state, rng) -> actions[B]`, so anything plays
anything: random, UCT, a network with or without search, a checkpoint by name, perfect play."""

from boardzoo.agents.players.base import Player, RandomPlayer, aec_action
from boardzoo.agents.players.loading import (
    DEFAULT_SIMULATIONS,
    PRETRAINED,
    export_agent,
    load_agent,
    load_player,
    network_player,
    resolve_checkpoint,
)
from boardzoo.agents.players.match import MatchResult, play_match
from boardzoo.agents.players.network import NetworkPlayer
from boardzoo.agents.players.perfect import PerfectPlayer
from boardzoo.agents.players.search import SearchPlayer, UCTPlayer
from boardzoo.agents.players.specs import DEFAULT_LADDER, ladder, parse_spec, player_from_spec, spec_name

__all__ = [
    "DEFAULT_LADDER",
    "DEFAULT_SIMULATIONS",
    "PRETRAINED",
    "MatchResult",
    "NetworkPlayer",
    "PerfectPlayer",
    "Player",
    "RandomPlayer",
    "SearchPlayer",
    "UCTPlayer",
    "aec_action",
    "export_agent",
    "ladder",
    "load_agent",
    "load_player",
    "network_player",
    "parse_spec",
    "play_match",
    "player_from_spec",
    "resolve_checkpoint",
    "spec_name",
]
