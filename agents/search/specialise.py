"""Numba loops that call a game's kernel, compiled once per kernel and cached on disk.

A numba function that takes a kernel as an argument is compiled again in every process: its
disk-cache key holds the dispatcher's per-process identity, so the cache never hits, its
index grows by one entry per process, and a stale entry can break saving. Instead,
`with_kernel(template, kernel)` copies `template` with its global name `kernel` bound to the
game's kernel, names the copy after both and compiles it with `cache=True`: one cache file
per (template, kernel), hit by every later process.

    def _template(arrays, action, active, constants):
        kernel(*arrays, action, active, *constants)   # `kernel` is bound by with_kernel

    run = with_kernel(_template, game.apply.kernel)

Like any numba cache, an entry is not invalidated when only the kernel's source changes
(clear `__pycache__` then); a kernel or bound function that is not a module-level function
(one defined in a test, say) is compiled without the disk cache.
"""

from __future__ import annotations

import hashlib
import types
from collections.abc import Callable
from typing import Any

import numba

_COMPILED: dict[tuple[Any, ...], Any] = {}


def is_numba_kernel(kernel: Any) -> bool:
    """Whether `kernel` is a numba function that `with_kernel` can bind."""
    return isinstance(kernel, numba.core.registry.CPUDispatcher)


def with_kernel(template: Callable[..., Any], kernel: Any, **bound: Any) -> Any:
    """`template` compiled with numba (cached), its global `kernel` bound to `kernel` (a numba
    function) and each further global name in `bound` to its value (numba functions compiled
    for this kernel); one compiled function per (template, kernel, bindings) in a process."""
    key = (template, kernel, *sorted(bound.items()))
    compiled = _COMPILED.get(key)
    if compiled is None:
        source = kernel.py_func
        namespace = dict(template.__globals__)
        namespace["kernel"] = kernel
        namespace.update(bound)
        function = types.FunctionType(template.__code__, namespace, template.__name__, template.__defaults__)
        name = f"{template.__qualname__}__{source.__module__}.{source.__qualname__}"
        if bound:  # distinct bindings, distinct cache files (a digest keeps file names short)
            described = [
                f"{bound_name}={getattr(getattr(value, 'py_func', value), '__module__', '')}."
                f"{getattr(getattr(value, 'py_func', value), '__qualname__', '')}"
                for bound_name, value in sorted(bound.items())
            ]
            name += "__" + hashlib.sha1(";".join(described).encode()).hexdigest()[:12]
        function.__qualname__ = name.replace(".", "_")
        function.__module__ = template.__module__
        names = [getattr(value, "py_func", value).__qualname__ for value in (kernel, *bound.values())]
        cacheable = not any("<locals>" in name or "<lambda>" in name for name in names)
        compiled = _COMPILED.setdefault(key, numba.njit(cache=cacheable)(function))
    return compiled
