"""Worker processes for labelling files, cheap to start: this module imports no numpy.

``topics classify --jobs N`` starts them before it loads its model, so that they import
the labelling code meanwhile; :func:`topics.parallel.sharing.label_files` gives them files
(:func:`topics.parallel.worker.label_in_worker` labels them).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from typing import NamedTuple


class WorkerPool(NamedTuple):
    """Worker processes that label files together with this process (:func:`worker_pool`)."""

    executor: Executor
    size: int
    #: One future per worker, done once a worker has started and loaded the model (see
    #: :func:`worker_pool`): a worker is given files from then on, not while it starts.
    starting: tuple[Future, ...] = ()


def _start_worker() -> None:
    """Ignore Ctrl-C in a worker, and end it when the process that started it is gone.

    Ctrl-C reaches every process of the terminal's group; a worker that took it would print
    a traceback of its own: the process that started it stops the pool. A worker waits on
    the pool's queue, whose pipe it holds both ends of, so it would never see that process
    killed outright (SIGKILL, the OOM killer): a thread ends it within a second of its
    parent changing. When the pool stops it, a worker's results are sent by the time its
    exit handlers run: it ends there, without taking its model apart object by object
    (about 50 ms that the process stopping the pool would wait for). It is tuned to start
    (``tuning.start_for_labelling``: no BLAS threads, as numpy is imported after this runs;
    fewer collections while it imports and loads).
    """
    import atexit
    import os
    import signal
    import threading
    import time

    from .tuning import start_for_labelling

    start_for_labelling()
    atexit.register(os._exit, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def end_with_the_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=end_with_the_parent, name="end-with-the-parent", daemon=True).start()


def _warm_up(model_path: str | None) -> None:
    """Import the labelling code (numpy, scipy, the model classes) in a new worker.

    Then, given the folder of the model, load it and make it ready (``worker.preload``); a
    model that cannot be loaded is left to the first batch, which says why.
    """
    from . import worker

    if model_path is not None:
        with contextlib.suppress(Exception):  # the first batch loads it again, and says why
            worker.preload(model_path)


@contextlib.contextmanager
def worker_pool(n_workers: int, model_path: str | None = None
                ) -> Iterator[WorkerPool | None]:
    """``n_workers`` worker processes (None for none), started now and stopped at the end.

    Started before this process loads its model, they import the labelling code
    meanwhile, and load the model at ``model_path`` when it is given (its folder, when
    known before the model is loaded). They are spawned, not forked (a forked copy of a
    process with threads can hang): like ``multiprocessing``, a script that starts them
    needs the ``if __name__ == "__main__":`` guard.
    """
    if n_workers < 1:
        yield None
        return
    import multiprocessing  # here: a process labelling alone does without (~15 ms)
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(n_workers, multiprocessing.get_context("spawn"),
                                   initializer=_start_worker)
    try:
        starting = tuple(executor.submit(_warm_up, model_path) for _ in range(n_workers))
        yield WorkerPool(executor, n_workers, starting)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
