"""The schema of a checkpoint's config.json: every field a reader relies on, with its type, so a
damaged or hand-edited file is refused with the field's name instead of failing later."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_SHA256 = re.compile(r"[0-9a-f]{64}")


class SchemaError(ValueError):
    """config.json lacks a field or holds one of the wrong type."""


def _require(config: dict[str, Any], field: str, kind: type | tuple[type, ...], what: str) -> Any:
    parts = field.split(".")
    value: Any = config
    for part in parts:
        if not isinstance(value, dict) or part not in value:
            raise SchemaError(f"field {field!r} is missing")
        value = value[part]
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise SchemaError(f"field {field!r} must be {what}, got {value!r}")
    if not isinstance(value, kind):
        raise SchemaError(f"field {field!r} must be {what}, got {value!r}")
    return value


def check_config_schema(config: Any, file: Path) -> None:
    """Raise SchemaError (naming `file` and the field) unless `config` has the checkpoint schema."""
    try:
        if not isinstance(config, dict):
            raise SchemaError(f"must hold a JSON object, got {type(config).__name__}")
        _require(config, "game.id", str, "a game id (str)")
        _require(config, "game.version", int, "an int")
        params = _require(config, "game.params", dict, "an object of game parameters")
        for name, value in params.items():
            if not isinstance(value, int | float | bool | str):
                raise SchemaError(f"field 'game.params.{name}' must be a number, bool or str, got {value!r}")
        _require(config, "network", dict, "an object (the network's config)")
        step = _require(config, "step", int, "an int >= 0")
        if step < 0:
            raise SchemaError(f"field 'step' must be an int >= 0, got {step}")
        hashes = _require(config, "sha256", dict, "an object of file name -> SHA-256")
        for name, digest in hashes.items():
            if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
                raise SchemaError(f"field 'sha256.{name}' must be a SHA-256 hex digest, got {digest!r}")
        if config.get("training") is not None:
            _require(config, "training", dict, "an object (the training config) or null")
        for alias, target in config.get("aliases", {}).items():
            if not isinstance(target, str):
                raise SchemaError(f"field 'aliases.{alias}' must be a str, got {target!r}")
    except SchemaError as error:
        raise SchemaError(f"{file}: {error}") from None
