"""How many processes `topics classify` chooses without --jobs."""

import gc
import logging

import pytest

from topics.labelling import worker_count
from topics.parallel.tuning import BYTES_PER_PROCESS, START_ALLOCATIONS, choose_processes


def _files(tmp_path, sizes):
    paths = []
    for i, size in enumerate(sizes):
        path = tmp_path / f"r{i}.txt"
        with open(path, "wb") as file:
            file.truncate(size)  # sparse: the size is all that counts
        paths.append(str(path))
    return paths


@pytest.mark.parametrize(("sizes", "cores", "expected"), [
    ([1000] * 50, 8, 1),  # small input: a worker would not pay for its start
    ([BYTES_PER_PROCESS] * 3, 8, 3),
    ([BYTES_PER_PROCESS] * 3, 2, 2),  # no more than the cores
    ([BYTES_PER_PROCESS] * 3, 1, 1),
    ([10 * BYTES_PER_PROCESS], 8, 1),  # no more than the files
    ([BYTES_PER_PROCESS // 4] * 6, 8, 2),  # by size, whatever the number of files
    ([BYTES_PER_PROCESS // 4] * 3, 8, 1),
])
def test_processes_follow_the_size_of_the_input_files_and_cores(tmp_path, sizes, cores,
                                                                  expected):
    processes, why = choose_processes(_files(tmp_path, sizes), cores=cores, load=0.0)
    assert processes == expected
    assert f"{len(sizes)} file" in why and f"{cores} core" in why


@pytest.mark.parametrize(("load", "expected"), [(0.0, 4), (0.4, 4), (1.6, 3), (2.6, 2),
                                                 (3.6, 1), (9.0, 1)])
def test_cores_that_others_keep_busy_get_no_worker(tmp_path, load, expected):
    processes, why = choose_processes(_files(tmp_path, [BYTES_PER_PROCESS] * 8), cores=4,
                                      load=load)
    assert processes == expected
    assert f"load {load:.1f}" in why


def test_missing_files_count_as_empty(tmp_path):
    assert choose_processes([str(tmp_path / "gone.txt")] * 20, cores=4, load=0.0)[0] == 1
    assert choose_processes([], cores=4, load=0.0)[0] == 1


def test_no_jobs_given_chooses_and_logs_the_choice(tmp_path, caplog):
    small = _files(tmp_path, [100, 100])
    with caplog.at_level(logging.INFO, logger="topics"):
        assert worker_count(None, small) == 0
    assert "1 process (2 files, 0.0 MB" in caplog.text
    assert worker_count(None, [*small, "-"]) == 0  # stdin is read here, and the files with it


def test_the_plain_command_says_with_v_how_many_processes_it_chose(tiny_model_dir, report_file):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "topics", "-v", "classify", str(report_file),
                           "--model", str(tiny_model_dir), "--format", "jsonl"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "topics: 1 process (1 file, 0.0 MB" in done.stderr
    assert done.stdout.count("\n") > 1


@pytest.mark.parametrize(("load", "expected"), [(0.0, 2), (1.0, 2), (1.6, 1), (5.5, 1)])
def test_many_small_reports_get_a_worker_on_an_idle_two_core_machine(tmp_path, load, expected):
    """728 small texts of 2 MB in all (the shipped ones): shared in batches, a worker pays."""
    paths = _files(tmp_path, [2_700] * 728)
    assert choose_processes(paths, cores=2, load=load)[0] == expected
    assert choose_processes(paths[:200], cores=2, load=0.0)[0] == 1  # 0.5 MB: not worth it


def _blas_threads() -> list[int]:
    """The threads of each BLAS library loaded in this process (threadpoolctl's count)."""
    import numpy  # noqa: F401 (loads the BLAS library, as labelling does)
    from threadpoolctl import threadpool_info

    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_one_blas_thread_is_asked_for_only_before_numpy_and_never_over_the_users_choice():
    import json
    import os
    import subprocess
    import sys

    from topics.parallel.tuning import BLAS_THREADS

    code = ("import json, os, sys; from topics.parallel.tuning import one_blas_thread; "
            "first = one_blas_thread(); import numpy; "
            "print(json.dumps([first, one_blas_thread(), "
            f"{{n: os.environ.get(n) for n in {BLAS_THREADS!r}}}]))")
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREADS}
    env["MKL_NUM_THREADS"] = "3"  # the user's own choice stays
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    first, again, variables = json.loads(done.stdout)
    assert (first, again) == (True, False)
    assert variables == {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "3",
                         "OMP_NUM_THREADS": "1"}


def test_a_worker_process_starts_one_blas_thread_whatever_this_process_has(monkeypatch):
    pytest.importorskip("threadpoolctl")
    from topics.parallel.pool import worker_pool
    from topics.parallel.tuning import BLAS_THREADS

    for name in BLAS_THREADS:
        monkeypatch.delenv(name, raising=False)
    with worker_pool(1) as pool:
        threads = pool.executor.submit(_blas_threads).result()
        thresholds = pool.executor.submit(gc.get_threshold).result()
    assert threads and set(threads) == {1}
    assert thresholds == (START_ALLOCATIONS, 20, 100)  # no model given: not settled yet
