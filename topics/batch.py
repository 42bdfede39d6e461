"""Label many report files, in this process or spread over worker processes (joblib).

Results come back in input order whatever the number of processes, and each worker
loads the model once. Labelling a sentence does not depend on the other sentences of
its batch, so the output is the same, byte for byte, with one process or several.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .errors import InputError
from .formats import Renderer
from .inputs import InputUnits, load_input
from .model import ThemeModel, UnitResult

#: Models loaded in this (worker) process, by folder.
_MODELS: dict[str, ThemeModel] = {}

@dataclass(frozen=True)
class Rendered:
    """A labelled report rendered by a :class:`~topics.formats.Renderer`: UTF-8 and unit count.

    Bytes, not text: they cross from a worker process to the writer unchanged.
    """

    data: bytes
    units: int

    def __len__(self) -> int:
        """The number of units, as for a list of results."""
        return self.units


Outcome = tuple[str, list[UnitResult] | Rendered] | InputError


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


def label_input(model: ThemeModel, loaded: InputUnits, render: Renderer | None = None
                ) -> tuple[str, list[UnitResult] | Rendered]:
    """Label the units of one input (then ``render`` them).

    Evidence and topics are computed unless ``render`` is given and does not show them.
    """
    explain = render is None or render.explain
    results = model.classify_units(loaded.units, loaded.ids, explain=explain)
    if render is None:
        return loaded.name, results
    return loaded.name, Rendered(render(loaded.name, results).encode("utf-8"), len(results))


def label_file(model: ThemeModel, path: str, encoding: str | None, max_bytes: int,
               render: Renderer | None = None) -> tuple[str, list[UnitResult] | Rendered]:
    """Read one report (or ``.jsonl`` of units) and label its units (then ``render`` them)."""
    return label_input(model, load_input(path, encoding, max_bytes), render)


def _outcome(model: ThemeModel, item, encoding: str | None, max_bytes: int,
             render: Renderer | None) -> Outcome:
    """:func:`label_file`, with an unreadable file (or an ``InputError`` item) as a value."""
    if isinstance(item, InputError):
        return item
    try:
        return label_file(model, item, encoding, max_bytes, render)
    except InputError as exc:
        return exc


def _in_worker(model_path: str, item, encoding: str | None, max_bytes: int,
               render: Renderer | None) -> Outcome:
    model = _MODELS.get(model_path)
    if model is None:
        from .bundle import load_model

        model = _MODELS[model_path] = load_model(model_path)
        settle_for_labelling()
    return _outcome(model, item, encoding, max_bytes, render)


def label_files(model: ThemeModel, items: Iterable, encoding: str | None, max_bytes: int,
                n_jobs: int = 1, render: Renderer | None = None) -> Iterator[Outcome]:
    """Label each path of ``items`` (``InputError`` items pass through), in order.

    With ``n_jobs`` > 1 the files are spread over that many processes; the model
    must have been saved (``model.path``) so that workers can load it. With ``render``
    each report comes back as :class:`Rendered` text, made where it was labelled.
    """
    items = list(items)
    if n_jobs == 1 or len(items) < 2 or not model.path:
        for item in items:
            yield _outcome(model, item, encoding, max_bytes, render)
        return
    from joblib import Parallel, delayed

    run = Parallel(n_jobs=n_jobs, return_as="generator", backend="loky")
    yield from run(delayed(_in_worker)(model.path, item, encoding, max_bytes, render)
                   for item in items)
