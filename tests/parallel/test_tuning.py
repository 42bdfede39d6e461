"""How many processes `topics classify` chooses without --jobs."""

import logging

import pytest

from topics.labelling import worker_count
from topics.parallel.tuning import BYTES_PER_PROCESS, choose_processes


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
