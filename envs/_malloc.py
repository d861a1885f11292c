"""Keep the kernels' large per-step arrays on the heap (glibc only; opt out with
BOARDZOO_MALLOC_TUNING=0).

`Game.step` is pure: every call allocates a new state (at B = 1024 on 19×19 Hex, about
2 MB in nine arrays). glibc serves arrays over its mmap threshold (128 KiB at start) with fresh
mmap pages and unmaps them on free, so each step page-faults its whole state again: copying a
state then costs about 15× more (0.9 ms instead of 0.05 ms, measured here). Raising the mmap
and trim thresholds lets freed blocks be reused instead. The cost: up to the trim threshold
of freed memory stays with the process instead of going back to the OS.
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
    """Raise glibc's mmap/trim thresholds once; True if applied."""
    if os.environ.get("BOARDZOO_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...)
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
