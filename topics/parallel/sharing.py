"""Label many report files in this process and worker processes that share them.

Results come back in input order whatever the number of processes, and each worker
loads the model once. The files are shared in batches of consecutive files (:func:`batches`),
each labelled as one process labels files in turn, small reports together. Labelling a
sentence does not depend on the other sentences of its batch, so the output is the same,
byte for byte, with one process or several.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import BrokenExecutor, Future  # .process: multiprocessing, ~10 ms

from ..errors import WorkerError
from ..pipeline.label import Outcome, Render, label_files_in_turn
from ..pipeline.model import ThemeModel
from .pool import WorkerPool, worker_pool
from .worker import label_in_worker, manifest_key


def label_files(model: ThemeModel, items: Iterable, encoding: str | None, max_bytes: int,
                n_jobs: int = 1, render: Render | None = None,
                pool: WorkerPool | None = None) -> Iterator[Outcome]:
    """Label each path of ``items`` (``InputError`` items pass through), in order.

    With ``n_jobs`` > 1, or a ``pool`` of workers started already, this process and the
    workers share the files (see :class:`_Sharing`); the model must have been saved
    (``model.path``) so that workers can load it. With ``render`` each report comes back
    as :class:`Rendered` text, made where it was labelled.
    """
    items = list(items)
    if len(items) < 2 or not model.path or (pool is None and n_jobs == 1):
        yield from label_files_in_turn(model, items, encoding, max_bytes, render)
    elif pool is None:
        with worker_pool(n_jobs - 1, model.path) as pool:
            yield from _label_shared(model, items, encoding, max_bytes, pool, render)
    else:
        yield from _label_shared(model, items, encoding, max_bytes, pool, render)


#: Bounds of the input bytes of a batch of files handed to one process (see :func:`batches`).
MIN_BATCH_BYTES, MAX_BATCH_BYTES = 64_000, 512_000
#: What a file counts for beyond its bytes: its opening, reading and output records.
FILE_BYTES = 1_000


def _size(item) -> int:
    """The bytes of a file for :func:`batches` (an unreadable one or an error: none)."""
    try:
        return os.stat(item).st_size if isinstance(item, str) else 0
    except (OSError, ValueError):
        return 0


def batches(items: list, processes: int) -> list[list]:
    """``items`` in batches of consecutive files, for ``processes`` that share them.

    A batch holds files until their bytes (each counting :data:`FILE_BYTES` more) reach a
    budget: a quarter of one process's share of the input, within
    :data:`MIN_BATCH_BYTES` and :data:`MAX_BATCH_BYTES` (512 KB: about 4,000 units of
    report text, a full batch of the first stage). So many small reports are labelled
    together wherever they go, and each process still gets several batches to even out
    the work. Towards the end the budget shrinks with what is left (half of its share per
    process, no less than :data:`MIN_BATCH_BYTES`), so that the last batches are small and
    no process labels a large one while the others wait. A file larger than the budget is
    a batch alone.
    """
    sizes = [_size(item) + FILE_BYTES for item in items]
    processes = max(1, processes)
    left = sum(sizes)
    budget = min(MAX_BATCH_BYTES, max(MIN_BATCH_BYTES, left // (4 * processes)))
    out: list[list] = []
    current: list = []
    held = 0
    for item, size in zip(items, sizes, strict=True):
        if current and held + size > min(budget, max(MIN_BATCH_BYTES, left // (2 * processes))):
            out.append(current)
            current, left, held = [], left - held, 0
        current.append(item)
        held += size
    if current:
        out.append(current)
    return out


def _label_shared(model: ThemeModel, items: list, encoding: str | None, max_bytes: int,
                  pool: WorkerPool, render: Render | None) -> Iterator[Outcome]:
    """Label ``items`` here and in the ``pool``'s workers, in batches; yield in input order."""
    key = manifest_key(model)  # a worker labels with the model of this key alone
    sharing = _Sharing(pool.executor, pool.size,
                       lambda batch: list(label_files_in_turn(model, batch, encoding,
                                                              max_bytes, render)),
                       lambda batch: (label_in_worker, model.path, key, batch, encoding,
                                      max_bytes, render),  # a worker loads the saved model
                       batches(items, pool.size + 1), pool.starting)
    try:
        for outcomes in sharing.outcomes():
            yield from outcomes
    except BrokenExecutor as exc:
        raise WorkerError(f"a worker process died ({exc}); was it out of memory?") from None
    finally:
        sharing.stop()


class _Sharing:
    """Items (batches of files) shared between this process and worker processes, in order.

    Each worker has one item at a time; when it finishes, the executor's result thread
    hands it the next untaken item (:meth:`_feed`). A worker still starting (its future
    of ``starting`` not done: spawned, importing, loading the model) is given none: this
    process labels the items in turn meanwhile, so a worker that would be ready only when
    the work is nearly done delays nothing (had it been handed the first item, every
    later one would wait for its start-up). While the item whose turn it is to be yielded
    is still with a worker, this process labels the next untaken item itself instead of
    waiting. At most ``4 * (n_workers + 1)`` items are taken and not yet yielded: memory
    stays bounded however many there are. Without ``starting`` every worker is ready.
    """

    def __init__(self, executor, n_workers: int, label_here, task, items: list,
                 starting: tuple[Future, ...] = ()):
        self._executor, self._label_here, self._task = executor, label_here, task
        self._items = items
        self._limit = 4 * (n_workers + 1)
        self._lock = threading.Lock()
        self._untaken = self._yielded = 0  # items below untaken are taken; below yielded, out
        self._futures: dict[int, Future] = {}  # submitted, not yet collected
        self._idle = n_workers - len(starting)  # started workers without an item
        self._stopped = False
        self._broken: BrokenExecutor | None = None  # why a worker could not be given one
        for future in starting:
            future.add_done_callback(self._started)  # at once if it is done already
        self._feed()

    def _take(self) -> int | None:
        """The next untaken item's position, if the limit allows (call with the lock held)."""
        if self._untaken == len(self._items) or self._untaken - self._yielded >= self._limit:
            return None
        self._untaken += 1
        return self._untaken - 1

    def _feed(self) -> None:
        """Give each idle worker the next untaken item, as far as the limit allows."""
        while True:
            with self._lock:
                position = None if self._stopped or not self._idle else self._take()
                if position is None:
                    return
                try:
                    future = self._executor.submit(*self._task(self._items[position]))
                except BrokenExecutor as exc:  # a worker died: the next turn raises it
                    self._broken, self._stopped = exc, True
                    return
                except RuntimeError:  # the executor was shut down: the command is ending
                    self._stopped = True
                    return
                self._idle -= 1
                self._futures[position] = future
            future.add_done_callback(self._finished)

    def _started(self, future: Future) -> None:
        """A worker has started (or the pool broke while it started): feed it."""
        exc = None if future.cancelled() else future.exception()
        if isinstance(exc, BrokenExecutor):  # the next turn raises it
            with self._lock:
                self._broken = self._broken or exc
            return
        with self._lock:
            self._idle += 1
        self._feed()

    def _finished(self, future: Future) -> None:
        """A worker's item is done (run by the executor's thread): feed the worker again."""
        if future.cancelled() or future.exception() is not None:
            return  # a broken pool: the turn that waits for it raises
        with self._lock:
            self._idle += 1
        self._feed()

    def outcomes(self) -> Iterator[Outcome]:
        """Every item's outcome, in input order."""
        done: dict[int, Outcome] = {}  # labelled here, waiting for their turn
        for turn in range(len(self._items)):
            while turn not in done:
                if self._broken is not None:
                    raise self._broken
                with self._lock:
                    future = self._futures.get(turn)
                    mine = None if future is not None and future.done() else self._take()
                if mine is not None:
                    done[mine] = self._label_here(self._items[mine])
                elif future is not None:
                    done[turn] = future.result()
                    with self._lock:
                        del self._futures[turn]
                else:  # taken for a worker that could not be given it
                    raise self._broken or BrokenExecutor("no worker took a file")
            with self._lock:
                self._yielded += 1
            outcome = done.pop(turn)
            self._feed()  # a worker held back by the limit goes on
            yield outcome

    def stop(self) -> None:
        """Hand out nothing more and cancel what no worker has started."""
        with self._lock:
            self._stopped = True
            futures = list(self._futures.values())
        for future in futures:
            future.cancel()
