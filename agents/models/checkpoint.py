"""Checkpoints: a folder that loads without executing code, written atomically.

    DIR/config.json          format, game id + params, network config, training config, step,
                             versions, and the SHA-256 of every other file (schema:
                             `checkpoint_schema`)
    DIR/manifest.json        the SHA-256 of every file, config.json included
    DIR/model.safetensors    network weights and buffers
    DIR/training_state.pt    optimizer/scheduler/torch RNG state (torch.load weights_only=True)
    DIR/<name>.npz           arrays (replay buffer, live self-play games; allow_pickle=False)

Only `config.json` and `model.safetensors` are needed to play; the rest is for exact resume.
A checkpoint records the game it was trained for and refuses to load for another; a
truncated or altered file (config.json too) fails its checksum with an error naming the file,
and a config.json missing a field or holding one of the wrong type is refused naming the field.
Checkpoints written before the manifest existed still load (their config.json is unverified).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors

from boardzoo.agents.atomic import write_folder_atomically
from boardzoo.agents.models.checkpoint_schema import SchemaError, check_config_schema
from boardzoo.agents.models.families import UnknownFamilyError, build_from_config
from boardzoo.envs import Game, make

FORMAT = "boardzoo-checkpoint"
FORMAT_VERSION = 1
CONFIG_FILE = "config.json"
MODEL_FILE = "model.safetensors"
MANIFEST_FILE = "manifest.json"
TRAINING_STATE_FILE = "training_state.pt"


class CheckpointError(ValueError):
    """A checkpoint is missing, corrupt, or for another game."""


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint: the game, the network (eval mode) and the recorded config."""

    path: Path
    game: Game
    network: torch.nn.Module  # forward(obs[B, C, H, W], mask[B, A] | None) -> (logits[B, A], value[B])
    network_config: Any
    config: dict[str, Any]
    step: int


def save_checkpoint(
    path: str | Path,
    game: Game,
    network: torch.nn.Module,
    *,
    step: int = 0,
    training_config: dict[str, Any] | None = None,
    training_state: dict[str, Any] | None = None,
    arrays: dict[str, dict[str, np.ndarray]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint folder atomically (a crash leaves the old one or the new one, never half).

    Args:
      path: the folder to create or replace.
      game: the game the network plays.
      network: its weights are saved (on CPU); `network.config.to_dict()` is recorded.
      step: learner steps so far.
      training_config: the trainer's config (JSON-serialisable), recorded for reproduction.
      training_state: tensors and plain values for resuming (optimizer state dicts etc.).
      arrays: file stem -> arrays, each saved as `<stem>.npz`.
      extra: more JSON-serialisable metadata.
    """
    path = Path(path)
    files: dict[str, bytes] = {}
    weights, aliases = _unique_tensors(network.state_dict())
    files[MODEL_FILE] = save_safetensors(weights)
    if training_state is not None:
        buffer = io.BytesIO()
        torch.save(training_state, buffer)
        files[TRAINING_STATE_FILE] = buffer.getvalue()
    for stem, content in (arrays or {}).items():
        buffer = io.BytesIO()
        np.savez(buffer, **content)
        files[f"{stem}.npz"] = buffer.getvalue()
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "game": {"id": game.id, "version": game.version, "params": dict(game.params)},
        "network": network.config.to_dict(),
        "step": int(step),
        "training": training_config,
        "versions": {name: version(name) for name in ("boardzoo", "torch", "numpy")},
        "sha256": {name: _sha256(content) for name, content in files.items()},
        "aliases": aliases,
        **(extra or {}),
    }
    files[CONFIG_FILE] = json.dumps(config, indent=2, sort_keys=True).encode()
    manifest = {"format": FORMAT, "sha256": {name: _sha256(content) for name, content in files.items()}}
    files[MANIFEST_FILE] = json.dumps(manifest, indent=2, sort_keys=True).encode()
    return write_folder_atomically(path, files)


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _unique_tensors(state: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    # safetensors refuses tensors that share memory (SB3 registers one features extractor under
    # three names): keep the first name of each and record the others as aliases.
    weights: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    seen: dict[tuple[int, int, tuple[int, ...]], str] = {}
    for name, tensor in state.items():
        key = (tensor.untyped_storage().data_ptr(), tensor.storage_offset(), tuple(tensor.shape))
        if key in seen and tensor.numel() > 0:
            aliases[name] = seen[key]
            continue
        seen[key] = name
        weights[name] = tensor.detach().cpu().contiguous()
    return weights, aliases


def read_manifest(path: str | Path) -> dict[str, str] | None:
    """File name -> SHA-256 from manifest.json (None for a checkpoint written before it existed)."""
    file = Path(path) / MANIFEST_FILE
    if not file.is_file():
        return None
    try:
        manifest = json.loads(file.read_text())
        hashes = manifest["sha256"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as error:
        raise CheckpointError(f"{file} is corrupt ({type(error).__name__}: {error})") from error
    if not isinstance(hashes, dict) or not all(isinstance(v, str) for v in hashes.values()):
        raise CheckpointError(f"{file} is corrupt (sha256 must map file names to digests)")
    return hashes


def read_config(path: str | Path) -> dict[str, Any]:
    """The checkpoint's config.json, checked against the manifest and the schema."""
    path = Path(path)
    file = path / CONFIG_FILE
    if not file.is_file():
        raise CheckpointError(f"{path} is not a boardzoo checkpoint: {CONFIG_FILE} is missing")
    content = file.read_bytes()
    manifest = read_manifest(path)
    if manifest is not None and manifest.get(CONFIG_FILE) != _sha256(content):
        raise CheckpointError(f"{file} was altered or is corrupt (SHA-256 differs from {MANIFEST_FILE})")
    try:
        config = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{file} is corrupt (not valid JSON: {error})") from error
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise CheckpointError(f"{file} is not a boardzoo checkpoint config (format != {FORMAT!r})")
    if config.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{file} has format_version {config.get('format_version')!r}; this boardzoo reads {FORMAT_VERSION}"
        )
    try:
        check_config_schema(config, file)
    except SchemaError as error:
        raise CheckpointError(str(error)) from None
    return config


def read_file(path: str | Path, name: str, config: dict[str, Any] | None = None) -> bytes:
    """A checkpoint file's bytes after checking its SHA-256 (manifest, else config.json)."""
    path = Path(path)
    config = read_config(path) if config is None else config
    hashes = read_manifest(path) or config["sha256"]
    expected = hashes.get(name)
    if expected is None or name in (CONFIG_FILE, MANIFEST_FILE):
        raise CheckpointError(f"{path} has no {name} (files: {sorted(config['sha256'])})")
    file = path / name
    if not file.is_file():
        raise CheckpointError(f"{file} is missing")
    content = file.read_bytes()
    if _sha256(content) != expected:
        raise CheckpointError(f"{file} is truncated or corrupt (its SHA-256 differs from the recorded one)")
    return content


def load_checkpoint(path: str | Path, game: Game | str | None = None, device: str | torch.device = "cpu") -> Checkpoint:
    """Load a checkpoint's network (eval mode, on `device`).

    Args:
      path: the checkpoint folder.
      game: if given (a `Game` or an id), the checkpoint must have been trained for it.

    Raises:
      CheckpointError: missing or corrupt files, or a checkpoint for another game.
    """
    path = Path(path)
    config = read_config(path)
    recorded = config["game"]
    if game is not None:
        wanted_id = game if isinstance(game, str) else game.id
        wanted_params = None if isinstance(game, str) else dict(game.params)
        if recorded["id"] != wanted_id or (wanted_params is not None and recorded["params"] != wanted_params):
            raise CheckpointError(
                f"{path} was trained for {recorded['id']} {recorded['params']}, "
                f"not {wanted_id} {wanted_params or ''}".rstrip()
            )
    try:
        checkpoint_game = make(recorded["id"], **recorded["params"])
    except ValueError as error:
        raise CheckpointError(f"{path / CONFIG_FILE}: its game cannot be made: {error}") from error
    try:
        network_config, network = build_from_config(config["network"], checkpoint_game)
    except UnknownFamilyError as error:
        raise CheckpointError(f"{path / CONFIG_FILE}: {error}") from error
    content = read_file(path, MODEL_FILE, config)
    try:
        weights = load_safetensors(content)
    except Exception as error:  # safetensors raises its own error types on malformed headers
        raise CheckpointError(f"{path / MODEL_FILE} is corrupt: {error}") from error
    for alias, name in config.get("aliases", {}).items():
        if name in weights:
            weights[alias] = weights[name]
    try:
        network.load_state_dict(weights)
    except RuntimeError as error:
        raise CheckpointError(f"{path / MODEL_FILE} does not fit the network in {CONFIG_FILE}: {error}") from error
    network.to(device).eval()
    return Checkpoint(path, checkpoint_game, network, network_config, config, int(config["step"]))


def load_training_state(path: str | Path) -> dict[str, Any]:
    """The resume state saved with the checkpoint (loaded with weights_only=True)."""
    content = read_file(path, TRAINING_STATE_FILE)
    return torch.load(io.BytesIO(content), weights_only=True)


def load_arrays(path: str | Path, stem: str) -> dict[str, np.ndarray]:
    """The arrays saved under `stem` (allow_pickle=False)."""
    content = read_file(path, f"{stem}.npz")
    with np.load(io.BytesIO(content), allow_pickle=False) as data:
        return {name: data[name] for name in data.files}
