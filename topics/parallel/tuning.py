"""Tuning of labelling: how many processes share the files, and memory management.

:func:`choose_processes` is what ``topics classify`` without ``--jobs`` runs with;
:func:`settle_for_labelling` tunes a process that keeps a loaded model and labels.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

#: Input bytes worth one more process. A worker costs about a second of CPU to start
#: (spawn, imports, model load), spent on an idle core while this process starts too; then
#: the two share the labelling, small files in batches as large ones (0.5-0.7 s of CPU per
#: MB of report text). From those CPU times (the machine was never idle to time it), the
#: half a worker takes over pays for its start from ~1 MB; one more process per 1.5 MB
#: leaves a margin (the 728 shipped texts, 2 MB, get two on an idle 2-core machine). A busy
#: machine gets no worker at all (see :func:`choose_processes`): at load 5-6 on 2 cores two
#: processes took 1.13-1.16x the time of one on 20 MB of reports (the work evenly shared)
#: and 1.1-1.7x on the shipped texts. See bench/RESULTS.md.
BYTES_PER_PROCESS = 1_500_000


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _load_average() -> float:
    """Runnable processes, averaged over the last minute (0 where unknown)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def choose_processes(paths: Sequence, cores: int | None = None,
                     load: float | None = None) -> tuple[int, str]:
    """How many processes should label the files ``paths``, and why, in words.

    One per :data:`BYTES_PER_PROCESS` of input, no more than the files, and no more than
    this process plus one per idle core (``cores`` less the one-minute load average,
    rounded): a worker on a core that other programs keep busy only slows the run (on a
    shared 2-core machine at load 3 and more, two processes ran 0.64-0.80x of one; at load
    0.6, 1.6x). Files that cannot be read count as empty (they fail quickly).
    """
    cores = usable_cores() if cores is None else cores
    load = _load_average() if load is None else load
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except (OSError, TypeError, ValueError):
            pass
    by_size = 1 + total // BYTES_PER_PROCESS
    idle = max(0, int(cores - load + 0.5))  # cores free, rounded
    processes = max(1, min(cores, 1 + idle, len(paths), by_size))
    why = (f"{len(paths)} file{'s' * (len(paths) != 1)}, {total / 1e6:.1f} MB, {cores} "
           f"core{'s' * (cores != 1)}, load {load:.1f}: one process per "
           f"{BYTES_PER_PROCESS / 1e6:g} MB of input, at most one per file and one more "
           f"per idle core")
    return processes, why


#: The variables that set how many threads numpy's BLAS library starts (OpenBLAS, MKL, or
#: one built with OpenMP), set by :func:`one_blas_thread`.
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def one_blas_thread() -> bool:
    """Have numpy's BLAS library start no threads in this process; whether it still could.

    Labelling multiplies small matrices (its sparse products are scipy's, single-threaded),
    so the thread pool that OpenBLAS starts when numpy is imported never works for it, yet
    its thread spins on the other core for about 0.1 s of CPU at every process start, the
    worker processes' included, and takes that core from the process next to it. The
    variables are read when numpy is imported: set here only while numpy is not (and only
    those the user has not set). Worker processes started afterwards inherit them.
    """
    if "numpy" in sys.modules:
        return False
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    return True


#: Allocations between two collections of the garbage collector's youngest generation while
#: a process imports the labelling code and loads its model (:func:`start_for_labelling`).
START_ALLOCATIONS = 200_000


def start_for_labelling() -> None:
    """Tune a process that is about to import the labelling code, load a model and label.

    Its BLAS library starts no threads (:func:`one_blas_thread`), and its youngest objects
    are collected after :data:`START_ALLOCATIONS` allocations instead of 700: importing the
    code and loading the model made ~100 collections (~50 ms of CPU a process, every worker
    too) that found next to nothing to free (modules, classes and the model all stay).
    :func:`settle_for_labelling` sets the thresholds of labelling once the model is loaded.
    """
    one_blas_thread()
    gc.set_threshold(START_ALLOCATIONS, 20, 100)


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
