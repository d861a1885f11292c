"""Setting overrides for one method of a comparison, written `METHOD:FIELD=VALUE`:

    expert_iteration:learner.learning_rate=1e-3   # a nested field of the method's config
    ppo:ent_coef=0                                # a field of PPOConfig
    bc:learning_rate=4e-3                         # BCConfig (both BC runs of a comparison)

The value is read as the type the field holds now (bool: true / false; int; float; str), so a
typo is an error rather than a silently different setting; fields the comparison owns (its
budget, seed, output folder, game) cannot be overridden.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from typing import Any, TypeVar

Config = TypeVar("Config")

OWNED_BY_COMPARISON = frozenset({"out", "minutes", "steps", "seed", "threads", "progress_bar", "game", "game_params"})
"""top-level fields a comparison sets itself for every method (equal budgets, seeds and games)"""


@dataclasses.dataclass(frozen=True)
class Override:
    """One parsed `METHOD:FIELD=VALUE`."""

    method: str
    field: str
    """dotted path into the method's config, e.g. "learner.learning_rate" """
    value: str
    """the value as written; converted to the field's type by `apply_overrides`"""

    def __str__(self) -> str:
        return f"{self.method}:{self.field}={self.value}"


def parse_override(text: str, methods: Iterable[str]) -> Override:
    """`text` = "METHOD:FIELD=VALUE" with METHOD one of `methods`; raises ValueError naming the text."""
    methods = tuple(methods)
    method, colon, setting = str(text).partition(":")
    field, equals, value = setting.partition("=")
    if not colon or not equals or not field or not value:
        raise ValueError(f"override {text!r} must read METHOD:FIELD=VALUE (e.g. ppo:learning_rate=1e-3)")
    if method not in methods:
        raise ValueError(f"override {text!r} names method {method!r}; methods: {', '.join(methods)}")
    if field.split(".")[0] in OWNED_BY_COMPARISON:
        raise ValueError(
            f"override {text!r}: {field.split('.')[0]} is set by the comparison for every method "
            f"({', '.join(sorted(OWNED_BY_COMPARISON))} cannot be overridden)"
        )
    return Override(method, field, value)


def apply_overrides(config: Config, overrides: Iterable[Override]) -> Config:
    """`config` (a dataclass) with each override's field replaced (nested dataclasses rebuilt, so
    their own validation runs); raises ValueError for an unknown field, an unreadable value or a
    field given twice (which one would win is not what anyone wrote down)."""
    given: dict[str, Override] = {}
    for override in overrides:
        if override.field in given:
            raise ValueError(
                f"override {override} sets {override.field} again (after {given[override.field]}); give each field once"
            )
        given[override.field] = override
        config = _replace_path(config, override.field.split("."), override)
    return config


def _replace_path(config: Any, path: list[str], override: Override) -> Any:
    name = path[0]
    fields = {f.name for f in dataclasses.fields(config)} if dataclasses.is_dataclass(config) else set()
    if name not in fields:
        raise ValueError(
            f"override {override}: {type(config).__name__} has no field {name!r}; fields: {', '.join(sorted(fields))}"
        )
    current = getattr(config, name)
    if len(path) > 1:
        if not dataclasses.is_dataclass(current):
            raise ValueError(f"override {override}: {name} is not a group of settings, so {'.'.join(path)} is unknown")
        return dataclasses.replace(config, **{name: _replace_path(current, path[1:], override)})
    if dataclasses.is_dataclass(current):
        raise ValueError(f"override {override}: {name} is a group of settings; name one of its fields ({name}.FIELD)")
    return dataclasses.replace(config, **{name: _convert(current, override)})


def _convert(current: Any, override: Override) -> Any:
    # The value as the type the field holds now; nothing is coerced.
    raw = override.value
    if isinstance(current, bool):
        if raw not in ("true", "false"):
            raise ValueError(f"override {override}: {override.field} is true or false, got {raw!r}")
        return raw == "true"
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"override {override}: {override.field} is an int, got {raw!r}") from None
    if isinstance(current, float):
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"override {override}: {override.field} is a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"override {override}: {override.field} must be finite, got {raw!r}")
        return value
    if isinstance(current, str):
        return raw
    raise ValueError(
        f"override {override}: {override.field} holds {current!r} ({type(current).__name__}); "
        "only true/false, int, float and str settings can be overridden"
    )
