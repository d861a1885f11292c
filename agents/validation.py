"""Config validation: one set of checks every config dataclass calls from `__post_init__`, so a
bad value is refused where the config is built, with the field, the value and what is allowed.

    check_ints(self, ("batch_size", "simulations"))                 # positive ints
    check_numbers(self, ("learning_rate",), low=0, low_open=True)   # finite and > 0
    check_choice(self, "rule", RULES)

Booleans are not accepted as numbers, NaN and infinities never are, and nothing is coerced.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from numbers import Integral, Real


def _fail(name: str, value: object, allowed: str) -> ValueError:
    return ValueError(f"{name} must be {allowed}, got {value!r}")


def check_int(name: str, value: object, *, minimum: int | None = 1, optional: bool = False) -> None:
    """`value` is an int (not a bool) >= `minimum` (None: any int), or None if `optional`."""
    if value is None and optional:
        return
    allowed = "an int" if minimum is None else ("a positive int" if minimum == 1 else f"an int >= {minimum}")
    if isinstance(value, bool) or not isinstance(value, Integral) or (minimum is not None and value < minimum):
        raise _fail(name, value, allowed + (" or None" if optional else ""))


def check_number(
    name: str,
    value: object,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    optional: bool = False,
) -> None:
    """`value` is a finite real number (not a bool) in the interval, or None if `optional`."""
    if value is None and optional:
        return
    interval = _describe_interval(low, high, low_open, high_open)
    allowed = f"a number {interval}" + (" or None" if optional else "")
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise _fail(name, value, allowed)
    if value < low or value > high or (low_open and value == low) or (high_open and value == high):
        raise _fail(name, value, allowed)


def _describe_interval(low: float, high: float, low_open: bool, high_open: bool) -> str:
    if low != -math.inf and high != math.inf:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low != -math.inf:
        return f"{'>' if low_open else '>='} {low:g}"
    if high != math.inf:
        return f"{'<' if high_open else '<='} {high:g}"
    return "finite"


def check_ints(config: object, names: Iterable[str], *, minimum: int | None = 1) -> None:
    """Each named field of `config` passes `check_int`."""
    for name in names:
        check_int(name, getattr(config, name), minimum=minimum)


def check_numbers(config: object, names: Iterable[str], **interval: float | bool) -> None:
    """Each named field of `config` passes `check_number` with the same interval."""
    for name in names:
        check_number(name, getattr(config, name), **interval)  # type: ignore[arg-type]


def check_choice(config: object, name: str, allowed: Collection[object]) -> None:
    """The field `name` of `config` is one of `allowed`."""
    value = getattr(config, name)
    if isinstance(value, bool) or value not in allowed:
        raise _fail(name, value, f"one of {list(allowed)}")


def check_bools(config: object, names: Iterable[str]) -> None:
    """Each named field of `config` is True or False (not 0, 1 or a string)."""
    for name in names:
        value = getattr(config, name)
        if not isinstance(value, bool):
            raise _fail(name, value, "True or False")


def check_ray_address(config: object, name: str = "ray") -> None:
    """The field `name` of `config` is None or a non-empty str (a Ray cluster address, "auto"
    or "local")."""
    value = getattr(config, name)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise _fail(name, value, "'local', 'auto', a cluster address or None")
