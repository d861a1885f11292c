"""The shipped pretrained agents load in one line and play well above random."""

from __future__ import annotations

import numpy as np
import pytest

from boardzoo.agents.models.checkpoint import CheckpointError
from boardzoo.agents.players import RandomPlayer
from boardzoo.agents.players.loading import PRETRAINED, load_agent, load_player, resolve_checkpoint
from boardzoo.agents.players.match import play_match


@pytest.mark.parametrize("name", sorted(PRETRAINED))
def test_pretrained_agent_loads_and_beats_random(name):
    checkpoint = load_agent(name)
    assert (resolve_checkpoint(name) / "model.safetensors").stat().st_size < 5_000_000
    game = checkpoint.game
    assert game.id == name
    for player in (load_player(name, simulations=16), load_player(name, simulations=0)):
        result = play_match(game, player, RandomPlayer(), 20, np.random.default_rng(0))
        assert result.score >= 0.9, (name, result.wins, result.draws, result.losses)


def test_unknown_sources_are_named():
    with pytest.raises(CheckpointError, match="neither a checkpoint folder"):
        load_player("no_such_agent")
    with pytest.raises(CheckpointError, match="trained for connect_four"):
        load_player("connect_four", "hex")
