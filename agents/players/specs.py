"""Players named by short specs, and the fixed opponent ladder built from them (the one place).

player_from_spec(game, "uct:1000")            "random", "uct:<simulations>",
player_from_spec(game, "perfect:0.1")         "perfect" (a solver's best moves), "perfect:<eps>"
                                              (a random legal move with probability eps),
player_from_spec(game, "search:runs/c4:64")   "search:<checkpoint>[:<simulations>]",
player_from_spec(game, "network:hex")         "network:<checkpoint>" (checkpoint = folder,
                                              run folder or pretrained name)
player_from_spec(game, "search-sym:c4:64")    "search-sym:..." and "network-sym:...": the same
                                              with the network averaged over the board
                                              symmetries (`TorchEvaluator`)
ladder(game, ("random", "uct:100"))           {"random": ..., "uct100": ...}
"""

from __future__ import annotations

from collections.abc import Iterable

from boardzoo.agents.players.base import Player, RandomPlayer
from boardzoo.agents.players.loading import DEFAULT_SIMULATIONS, load_player
from boardzoo.agents.players.perfect import PerfectPlayer
from boardzoo.agents.players.search import UCTPlayer
from boardzoo.envs import Game

SPEC_HELP = (
    "random, uct:<simulations>, perfect, perfect:<eps in [0, 1]>, search:<checkpoint>[:<simulations>], "
    "network:<checkpoint>, or search-sym:/network-sym: (the network averaged over the board symmetries)"
)
DEFAULT_LADDER = ("random", "uct:100", "uct:1000")
"""the opponents an agent is measured against unless a caller names others"""


def parse_spec(spec: str, field: str = "") -> tuple[str, str, int]:
    """(kind, checkpoint source or "", simulations) of a spec ("perfect": the source is the
    random-move probability, "0" if none); ValueError naming the spec (and the config `field`
    it came from, if given)."""
    if not isinstance(spec, str):
        raise ValueError(f"{field + ': ' if field else ''}a player spec must be a str, got {spec!r}")
    kind, _, rest = spec.partition(":")
    if kind == "random" and not rest:
        return kind, "", 0
    if kind == "uct" and rest.isdigit() and int(rest) > 0:
        return kind, "", int(rest)
    if spec == "perfect":
        return kind, "0", 0
    if kind == "perfect":
        return kind, str(_epsilon(spec, rest, field)), 0
    if kind in ("network", "network-sym") and rest:
        return kind, rest, 0
    if kind in ("search", "search-sym") and rest:
        source, _, tail = rest.rpartition(":")
        if source and tail.isdigit() and int(tail) > 0:
            return kind, source, int(tail)
        return kind, rest, DEFAULT_SIMULATIONS
    raise ValueError(f"{field + ': ' if field else ''}bad player spec {spec!r}; use {SPEC_HELP}")


def _epsilon(spec: str, text: str, field: str) -> float:
    # The eps of "perfect:<eps>": a finite number in [0, 1].
    try:
        epsilon = float(text)
    except ValueError:
        epsilon = float("nan")
    if not 0.0 <= epsilon <= 1.0:
        where = field + ": " if field else ""
        raise ValueError(f"{where}bad player spec {spec!r}: perfect:<eps> needs eps in [0, 1], e.g. perfect:0.1")
    return epsilon


def spec_name(spec: str) -> str:
    """A spec's display name: "uct:1000" -> "uct1000"; other specs as written."""
    kind, _, simulations = parse_spec(spec)
    return f"uct{simulations}" if kind == "uct" else spec


def player_from_spec(game: Game, spec: str) -> Player:
    """The player a spec names (see the module docstring)."""
    kind, source, simulations = parse_spec(spec)
    if kind == "random":
        return RandomPlayer()
    if kind == "uct":
        return UCTPlayer(game, simulations=simulations)
    if kind == "perfect":
        return PerfectPlayer(game, epsilon=float(source))
    return load_player(source, game, simulations=simulations, average_symmetries=kind.endswith("-sym"))


def ladder(game: Game, specs: Iterable[str] = DEFAULT_LADDER) -> dict[str, Player]:
    """The fixed opponents, by display name ("random", "uct100", ...)."""
    return {spec_name(spec): player_from_spec(game, spec) for spec in specs}
