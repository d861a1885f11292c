"""glibc malloc tuning for processes that step large batches: `tune_glibc_malloc()`.

Importing boardzoo never calls it (a library must not change its host process); entry points
do (the `boardzoo` command, benchmark scripts), and so may any program that owns its process.

Why: `Game.step` is pure, so every call allocates a new state (at B = 1024 on 19×19 Hex,
about 1.9 MB in nine arrays). glibc serves blocks over its mmap threshold (128 KiB at start)
with fresh mmap pages and unmaps them on free, so each new state page-faults again: copying
that state costs 0.9 ms instead of 0.045 ms. glibc raises the threshold by itself after the
first large free (up to 32 MiB), which is why it rarely shows once numba has compiled, but
that depends on the process's history; fixed thresholds make it deterministic. The cost: up
to the trim threshold of freed memory stays with the process instead of going back to the OS.
Loops that own their state avoid most of these allocations anyway (`Game.step(...,
in_place=True)`, as the vector envs do).
"""

from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 64 << 20
TRIM_THRESHOLD_BYTES = 256 << 20


def tune_glibc_malloc() -> bool:
    """Raise glibc's mmap threshold to 64 MiB and its trim threshold to 256 MiB, for the
    whole process (call it once, from an entry point).

    Does nothing on other platforms or C libraries, or when the environment variable
    BOARDZOO_MALLOC_TUNING is "0".

    Returns:
      True if the thresholds were set.
    """
    if os.environ.get("BOARDZOO_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...)
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
