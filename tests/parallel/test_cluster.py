"""classify on a Dask cluster: same output as a local run, model shipped once, workers may die."""

import os
import pickle
import shutil
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from topics import config
from topics.cli import main
from topics.errors import ClusterError, InputError
from topics.parallel import cluster
from topics.parallel.sharing import label_files
from topics.render.jsonl import results_jsonl

distributed = pytest.importorskip("distributed")


def _local_cluster():
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                    dashboard_address=":0")


@pytest.fixture(scope="module")
def client():
    with _local_cluster() as local, distributed.Client(local) as client:
        yield client


@pytest.fixture
def run():
    def invoke(*args, input=None, env=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input, env=env,
                                  catch_exceptions=False)
    return invoke


@pytest.fixture
def seed_folder(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in config.seed_paths():
        shutil.copy(seed, folder / seed.name)
    (folder / "002_broken.txt").write_bytes(b"")
    return folder


def _jsonl(outcomes):
    """Outcomes as a local run prints them: jsonl of results, one line per error."""
    return "".join(f"error: {o}\n" if isinstance(o, InputError) else results_jsonl(o[1])
                   for o in outcomes)


@pytest.mark.parametrize("fmt", [("jsonl",), ("jsonl", "--explain"), ("table",)])
def test_cluster_output_is_byte_for_byte_a_local_run(run, client, tiny_model_dir, seed_folder,
                                                     fmt):
    local = run("classify", seed_folder, "--model", tiny_model_dir, "--format", *fmt)
    remote = run("classify", seed_folder, "--model", tiny_model_dir, "--format", *fmt,
                 "--scheduler", client.scheduler.address)
    assert local.exit_code == remote.exit_code == 1
    assert remote.stdout == local.stdout and local.stdout.count("\n") > 500
    errors = [line for line in remote.stderr.splitlines() if "error" in line]
    assert errors == [f"topics: error: {seed_folder / '002_broken.txt'}: empty report (no text)"]
    assert remote.stderr.splitlines()[-1].startswith("topics: 5 reports, ")


def test_scheduler_from_the_environment_with_stdin(run, client, tiny_model_dir, seed_folder):
    text = config.seed_paths()[1].read_bytes()
    args = ("classify", seed_folder / "000_eb7df649a681aff6.txt", "-", "--model",
            tiny_model_dir, "--format", "jsonl")
    local = run(*args, input=text)
    remote = run(*args, input=text, env={"TOPICS_SCHEDULER": client.scheduler.address})
    assert local.exit_code == remote.exit_code == 0
    assert remote.stdout == local.stdout and '"report": "<stdin>"' in remote.stdout


def _workers_spawned_here():
    import psutil

    return {p.pid for p in psutil.Process().children(recursive=True)
            if "spawn_main" in " ".join(p.cmdline())}


def test_local_n_starts_and_stops_its_own_cluster(run, tiny_model_dir, seed_folder):
    local = run("classify", seed_folder, "--model", tiny_model_dir, "--format", "jsonl")
    before = _workers_spawned_here()
    remote = run("classify", seed_folder, "--model", tiny_model_dir, "--format", "jsonl",
                 "--scheduler", "local:2")
    assert _workers_spawned_here() <= before
    assert remote.exit_code == 1 and remote.stdout == local.stdout, remote.stderr
    assert remote.stderr == local.stderr.replace(local.stderr.rsplit(", ", 1)[1],
                                                 remote.stderr.rsplit(", ", 1)[1])


def _count_builds():
    """On a worker: count the models it rebuilds (a wrapper around cluster._rebuild)."""
    from collections import Counter

    from topics.parallel import cluster as worker_cluster

    builds = Counter()
    rebuild = worker_cluster._rebuild

    def counting(plugin):
        builds[plugin.key] += 1
        return rebuild(plugin)

    worker_cluster._rebuild = counting
    worker_cluster._test_builds = builds
    worker_cluster._test_original = rebuild


def _stop_counting():
    from topics.parallel import cluster as worker_cluster

    worker_cluster._rebuild = worker_cluster._test_original
    del worker_cluster._test_builds, worker_cluster._test_original


def test_model_is_built_once_per_worker_not_per_task(client, tiny_model_dir, seed_folder):
    from topics.bundle import load_model

    model = load_model(tiny_model_dir)
    key = cluster.ShippedModel(cluster._bundle_files(model)[0]).key
    items = [str(p) for p in sorted(seed_folder.iterdir())] * 3

    client.run(_count_builds)
    try:
        outcomes = list(cluster.label_files_on_cluster(client, model, items, partition_files=1))
        builds = client.run(lambda: cluster._test_builds[key])
    finally:
        client.run(_stop_counting)
    assert _jsonl(outcomes) == _jsonl(label_files(model, items, None, 20_000_000))
    assert sorted(builds.values()) == [1, 1]  # 18 tasks, two workers, two builds
    # the run is over: the plugin is gone, and with it the workers' copies of the model
    assert client.run(lambda: key in cluster._MODELS) == dict.fromkeys(builds, False)


def test_killed_worker_loses_and_duplicates_nothing(tiny_model_dir, tmp_path):
    from topics.bundle import load_model

    model = load_model(tiny_model_dir)
    text = "".join(p.read_text(encoding="utf-8") for p in config.seed_paths())
    items = []
    for number in range(16):
        path = tmp_path / f"report-{number:02d}.txt"
        path.write_text(text, encoding="utf-8")
        items.append(str(path))
    items.insert(5, str(tmp_path / "missing.txt"))
    expected = _jsonl(label_files(model, items, None, 20_000_000))
    with _local_cluster() as local, distributed.Client(local) as client:
        outcomes = cluster.label_files_on_cluster(client, model, items, partition_files=1)
        got = [next(outcomes)]
        busy = [w for w, keys in client.processing().items() if keys]
        assert busy, "nothing left to do when the worker was to be killed"
        victim = busy[0]
        os.kill(client.run(os.getpid, workers=[victim])[victim], signal.SIGKILL)
        got.extend(outcomes)
        for _ in range(100):  # the scheduler has seen it die (it had work, so it must have)
            if victim not in client.scheduler_info()["workers"]:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"{victim} is still alive")
    assert _jsonl(got) == expected
    assert len(got) == len(items)


def test_file_the_client_cannot_ship_fails_as_locally(client, tiny_model_dir, tmp_path):
    from topics.bundle import load_model

    model = load_model(tiny_model_dir)
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    small.write_text("严格执行三个规定。举办培训班。", encoding="utf-8")
    big.write_text("严格执行三个规定。" * 100, encoding="utf-8")
    items = [str(big), str(small), str(tmp_path)]
    got = list(cluster.label_files_on_cluster(client, model, items, max_bytes=1000))
    assert _jsonl(got) == _jsonl(label_files(model, items, None, 1000))
    assert str(got[0]).startswith(f"{big}: 2,700 bytes is over the size limit")


def test_input_error_survives_pickling_and_dask_serialisation():
    from distributed.protocol import deserialize, serialize

    error = InputError("reports/a.txt: empty report (no text)")
    for copy in (pickle.loads(pickle.dumps(error)), deserialize(*serialize(error))):
        assert type(copy) is InputError and str(copy) == str(error)


def test_partitions_keep_order_and_limits():
    assert cluster.partitions([], 10, 5) == []
    parts = cluster.partitions([4, 4, 4, 20, 1, 1, 1, 1], 10, 3)
    assert [list(p) for p in parts] == [[0, 1], [2], [3], [4, 5, 6], [7]]


@pytest.mark.parametrize("address, expected", [
    ("local", ("local", None)), ("local:3", ("local", 3)),
    ("tcp://10.0.0.1:8786", ("remote", None)), ("localhost:8786", ("remote", None))])
def test_parse_address(address, expected):
    assert cluster.parse_address(address) == expected


@pytest.mark.parametrize("address", ["local:0", "local:two"])
def test_bad_local_worker_count(run, tiny_model_dir, report_file, address):
    result = run("classify", report_file, "--model", tiny_model_dir, "--scheduler", address)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {address}: the number of local workers must be a "
                             f"positive integer, as in local:2\n")


def test_unreachable_scheduler_is_named(run, tiny_model_dir, report_file, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 0.5)
    result = run("classify", report_file, "--model", tiny_model_dir, "--scheduler",
                 "tcp://127.0.0.1:1")
    assert result.exit_code == 1 and not result.stdout
    assert result.stderr.startswith("Error: tcp://127.0.0.1:1: no Dask scheduler answered "
                                    "within 0.5s (")
    assert result.stderr.endswith("); start one with `dask scheduler` and workers with `dask "
                                  "worker tcp://127.0.0.1:1`, or check the address\n")


def test_scheduler_and_jobs_do_not_go_together(run, tiny_model_dir, report_file):
    result = run("classify", report_file, "--model", tiny_model_dir, "--jobs", "2",
                 "--scheduler", "local:2")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --jobs and --scheduler (or TOPICS_SCHEDULER) do not go together: on a cluster "
        "its workers are the processes (local:N starts N here)")


def test_without_dask_the_error_says_what_to_install(run, tiny_model_dir, report_file,
                                                     monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    result = run("classify", report_file, "--model", tiny_model_dir, "--scheduler", "local")
    assert result.exit_code == 1
    assert result.stderr == ('Error: running on a Dask cluster needs the cluster extra: '
                             'pip install "topics[cluster]"\n')


def test_help_does_not_import_dask():
    code = ("import sys; from click.testing import CliRunner; from topics.cli import main; "
            "assert CliRunner().invoke(main, ['classify', '--help']).exit_code == 0; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "[]\n"


def _die(path):
    os._exit(1)


def test_partition_that_kills_its_workers_stops_the_run_with_a_message(tmp_path):
    import dask

    report = tmp_path / "report.txt"
    report.write_text("举办培训班。", encoding="utf-8")
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            _local_cluster() as local, distributed.Client(local) as client:
        with pytest.raises(ClusterError, match="killed every worker that ran it"):
            list(cluster.map_files(client, _die, [str(report)]))


def _name_and_size(path):
    return os.path.basename(path), os.path.getsize(path)


def test_map_files_ships_large_files_whole_and_quietly(client, tmp_path):
    big, small = tmp_path / "big.md", tmp_path / "small.txt"
    big.write_bytes(b"x" * 11_000_000)  # over Dask's 10 MB "large graph" warning
    small.write_bytes(b"y")
    items = [str(small), InputError("gone.txt: no such file"), str(big), str(small)]
    got = list(cluster.map_files(client, _name_and_size, items, max_bytes=20_000_000))
    assert got[0] == ("small.txt", 1) and got[2] == ("big.md", 11_000_000) and got[3] == got[0]
    assert got[1] is items[1]


def test_training_on_the_cluster_makes_the_same_model(run, client, tmp_path, report_file):
    import json

    from tests.conftest import REPORT

    folder = tmp_path / "reports"
    folder.mkdir()
    for number in range(6):
        (folder / f"r{number}.txt").write_text(REPORT, encoding="utf-8")
    here, there = tmp_path / "here", tmp_path / "there"
    local = run("train", folder, "--no-eval", "--out", here, "--topics", "9", "--max-weak", "20")
    remote = run("train", folder, "--no-eval", "--out", there, "--topics", "9", "--max-weak",
                 "20", "--scheduler", client.scheduler.address)
    assert local.exit_code == remote.exit_code == 0, remote.output
    assert remote.stdout == local.stdout
    manifests = [json.loads((m / "manifest.json").read_text(encoding="utf-8"))
                 for m in (here, there)]
    assert manifests[0]["artifacts"] == manifests[1]["artifacts"]  # same sha256 of every file
    assert manifests[0]["training"] == manifests[1]["training"]
    assert manifests[1]["training"]["weak_labels_found"] > 20


def test_training_on_the_cluster_names_a_bad_report(run, client, tmp_path, report_file):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "good.txt").write_text(report_file.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "bad.txt").write_bytes(b"\x00\x01\x02 binary")
    result = run("train", folder, "--no-eval", "--out", tmp_path / "m", "--scheduler",
                 client.scheduler.address)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: {folder / 'bad.txt'}: binary data (NUL bytes), not a text report (if it is "
        f"UTF-16 text, try --encoding utf-16-le or utf-16-be)")
    assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists()


def test_names_and_a_fifo_on_the_cluster_as_locally(client, tiny_model_dir, tmp_path):
    from topics.bundle import load_model
    from topics.read.files import expand_inputs

    model = load_model(tiny_model_dir)
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "r.txt").write_text("严格执行三个规定。举办培训班。", encoding="utf-8")
    os.mkfifo(folder / "pipe.txt")  # neither shipped nor read: it would block
    items = list(expand_inputs([str(folder)]))
    got = list(cluster.label_files_on_cluster(client, model, items))
    assert _jsonl(got) == _jsonl(label_files(model, items, None, config.MAX_BYTES))
    assert str(got[0]) == f"{folder / 'pipe.txt'}: is a named pipe (FIFO), not a regular file; " \
                          f"pipe it to standard input (-) instead"
    assert got[1][0] == "batch/sub/r.txt" and got[1][1][0].report == "batch/sub/r.txt"
