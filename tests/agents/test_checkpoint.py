"""Checkpoints: bit-exact round trip, refusal for another game, clear errors when damaged."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from boardzoo.agents.models.checkpoint import (
    CheckpointError,
    load_arrays,
    load_checkpoint,
    load_training_state,
    save_checkpoint,
)
from boardzoo.agents.models.networks import NetworkConfig, build_network
from boardzoo.envs import make


@pytest.fixture
def saved(tmp_path):
    game = make("hex", board_size=5)
    torch.manual_seed(0)
    net = build_network(NetworkConfig(blocks=1, channels=8), game.observation_shape, game.num_actions)
    net.train()(torch.randn(4, *game.observation_shape))  # move the BatchNorm statistics off their defaults
    optimizer = torch.optim.AdamW(net.parameters())
    net(torch.randn(2, *game.observation_shape))[1].sum().backward()
    optimizer.step()
    arrays = {"replay": {"z": np.array([1.0, -1.0], np.float32), "policy": np.eye(3, dtype=np.float32)}}
    state = {"optimizer": optimizer.state_dict(), "note": "x"}
    path = save_checkpoint(
        tmp_path / "ckpt", game, net.eval(), step=7, training_config={"lr": 0.1}, training_state=state, arrays=arrays
    )
    return game, net, optimizer, path


def test_round_trip_is_bit_exact(saved, tmp_path):
    game, net, optimizer, path = saved
    checkpoint = load_checkpoint(path, game)
    assert checkpoint.step == 7 and checkpoint.config["training"] == {"lr": 0.1}
    for name, tensor in net.state_dict().items():
        assert torch.equal(tensor, checkpoint.network.state_dict()[name]), name
    obs = torch.from_numpy(game.observe(game.init(3)))
    with torch.inference_mode():
        assert torch.equal(net(obs)[0], checkpoint.network(obs)[0])
    again = save_checkpoint(tmp_path / "again", checkpoint.game, checkpoint.network, step=7)
    assert (again / "model.safetensors").read_bytes() == (path / "model.safetensors").read_bytes()
    state = load_training_state(path)
    assert state["note"] == "x"
    for key, value in optimizer.state_dict()["state"][0].items():
        assert torch.equal(value, state["optimizer"]["state"][0][key])
    np.testing.assert_array_equal(load_arrays(path, "replay")["policy"], np.eye(3))


def test_a_checkpoint_refuses_another_game(saved):
    _, _, _, path = saved
    with pytest.raises(CheckpointError, match=r"trained for hex \{'board_size': 5, 'swap': False\}, not connect_four"):
        load_checkpoint(path, "connect_four")
    with pytest.raises(CheckpointError, match="trained for hex .* not hex"):
        load_checkpoint(path, make("hex", board_size=7))


def test_truncated_weights_give_a_clear_error(saved):
    *_, path = saved
    weights = path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(CheckpointError, match=r"model.safetensors is truncated or corrupt"):
        load_checkpoint(path)


def test_a_flipped_byte_in_the_training_state_gives_a_clear_error(saved):
    *_, path = saved
    file = path / "training_state.pt"
    content = bytearray(file.read_bytes())
    content[len(content) // 2] ^= 0xFF
    file.write_bytes(bytes(content))
    with pytest.raises(CheckpointError, match="training_state.pt is truncated or corrupt"):
        load_training_state(path)


def test_damaged_or_missing_config_gives_a_clear_error(saved, tmp_path):
    *_, path = saved
    config = path / "config.json"
    config.write_text(config.read_text()[:50])
    with pytest.raises(CheckpointError, match="config.json was altered or is corrupt"):
        load_checkpoint(path)
    config.write_text(json.dumps({"format": "something-else"}))
    (path / "manifest.json").unlink()
    with pytest.raises(CheckpointError, match="not a boardzoo checkpoint config"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="config.json is missing"):
        load_checkpoint(tmp_path / "nowhere")


def test_saving_over_a_checkpoint_replaces_it_whole(saved):
    game, net, _, path = saved
    save_checkpoint(path, game, net, step=8)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "manifest.json", "model.safetensors"]
    assert load_checkpoint(path).step == 8
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]


def test_an_edited_config_is_detected_like_edited_weights(saved):
    *_, path = saved
    config = path / "config.json"
    config.write_text(config.read_text().replace('"step": ', '"step": 1'))
    with pytest.raises(CheckpointError, match="config.json was altered"):
        load_checkpoint(path)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda c: c.pop("step"), "'step' is missing"),
        (lambda c: c.update(step=-3), "'step' must be an int >= 0"),
        (lambda c: c.update(step="3"), "'step' must be an int >= 0"),
        (lambda c: c["game"].pop("id"), "'game.id' is missing"),
        (lambda c: c["game"].update(params=[7]), "'game.params' must be an object"),
        (lambda c: c.update(network=None), "'network' must be an object"),
        (lambda c: c["sha256"].update({"model.safetensors": "abc"}), "'sha256.model.safetensors' must be a SHA-256"),
    ],
)
def test_a_config_that_breaks_the_schema_is_refused_naming_the_field(saved, edit, field):
    *_, path = saved
    (path / "manifest.json").unlink()  # as a checkpoint written before manifests: only the schema guards it
    config = json.loads((path / "config.json").read_text())
    edit(config)
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=re.escape(field)):
        load_checkpoint(path)
