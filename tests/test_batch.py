"""Files shared between this process and worker processes: order, bounds, dead workers."""

import os
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from topics import batch
from topics.errors import WorkerError


def _slow(who: str, item: int, delay: float):
    time.sleep(delay)
    return who, item


def test_shared_labelling_keeps_input_order_and_bounds_what_waits():
    rng = random.Random(0)
    delays = [rng.choice([0.0, 0.001, 0.02]) for _ in range(60)]
    workers = 2
    with ThreadPoolExecutor(workers) as executor:
        sharing = batch._Sharing(executor, workers,
                                 lambda item: _slow("here", item, delays[item]),
                                 lambda item: (_slow, "worker", item, delays[item]),
                                 list(range(len(delays))))
        waiting = []
        out = []
        for outcome in sharing.outcomes():
            waiting.append(sharing._untaken - sharing._yielded)
            out.append(outcome)
            time.sleep(rng.choice([0.0, 0.005]))  # a consumer that is sometimes slow
    assert [item for _, item in out] == list(range(len(delays)))
    assert {who for who, _ in out} == {"here", "worker"}
    assert max(waiting) <= 4 * (workers + 1)


class _KillsTheWorker:
    """An item whose unpickling ends the worker process at once."""

    def __reduce__(self):
        return os._exit, (3,)


def test_a_dead_worker_is_a_clear_error_and_the_next_run_starts_afresh(tiny_model_dir,
                                                                       report_file):
    from topics.bundle import load_model

    model = load_model(tiny_model_dir)
    items = [_KillsTheWorker()] + [str(report_file)] * 3  # item 0 goes to the worker first
    with pytest.raises(WorkerError, match="a worker process died"):
        list(batch.label_files(model, items, None, 10 ** 7, n_jobs=2))
    one = list(batch.label_files(model, [str(report_file)] * 4, None, 10 ** 7, n_jobs=1))
    two = list(batch.label_files(model, [str(report_file)] * 4, None, 10 ** 7, n_jobs=2))
    assert [[r.to_record() for r in results] for _, results in one] == \
           [[r.to_record() for r in results] for _, results in two]
