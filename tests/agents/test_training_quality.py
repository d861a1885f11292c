"""Slow: the tic-tac-toe preset learns perfect play in its 3-minute budget (run with `make slow`)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from boardzoo.agents.players.loading import load_player
from boardzoo.agents.players.match import play_match
from boardzoo.agents.training.expert_iteration.presets import PRESETS
from boardzoo.agents.training.expert_iteration.train import train
from boardzoo.envs import make

from .minimax import MinimaxPlayer


@pytest.mark.slow
def test_three_minutes_of_tic_tac_toe_never_lose_to_minimax(tmp_path):
    _, preset = PRESETS["tic_tac_toe"]
    assert preset.minutes == 3.0
    path = train(dataclasses.replace(preset, out=str(tmp_path / "ttt"), progress_bar=False))
    game = make("tic_tac_toe")
    agent = load_player(path, game, simulations=32)
    result = play_match(game, agent, MinimaxPlayer(), 200, np.random.default_rng(0))
    print(f"vs minimax: {result.wins} wins, {result.draws} draws, {result.losses} losses")
    assert result.losses == 0
    assert set(result.seat_a.tolist()) == {0, 1}
