"""SIGKILL `topics train` at random moments: the model folder always holds a whole model."""

import json
import random
import signal
import subprocess
import sys
import time

import pytest

from topics.bundle import MANIFEST, load_model, save_model

KILLS = 24


@pytest.fixture
def labels(write_jsonl):
    from tests.conftest import TINY

    return write_jsonl("labels.jsonl", [{"text": t, "label": label, "report": f"r{i % 3}", "index": i}
                                        for i, (t, label) in enumerate(TINY)])


def _train(labels, target, seed):
    return subprocess.Popen(
        [sys.executable, "-m", "topics", "-q", "train", "--labels", str(labels), "--out", str(target),
         "--no-eval", "--topics", "9", "--seed", str(seed)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_training_never_leaves_half_a_model(tiny_model, labels, tmp_path):
    target = tmp_path / "models" / "m"
    save_model(tiny_model, target)
    started = time.monotonic()
    assert _train(labels, target, seed=1).wait(timeout=120) == 0
    duration = time.monotonic() - started
    rng = random.Random(20261122)
    outcomes = {"old": 0, "new": 0, "mid-write": 0}
    for kill in range(KILLS):
        before = (target / MANIFEST).read_bytes()
        entries_before = {p.name for p in target.iterdir()}
        process = _train(labels, target, seed=2 + kill)
        if kill % 2:  # anywhere in the run
            time.sleep(duration * rng.uniform(0.05, 1.0))
        else:  # while it writes: as soon as its temporary folder appears, or a moment later
            deadline = time.monotonic() + 3 * duration
            while time.monotonic() < deadline and process.poll() is None and not any(
                    p.name.startswith(".tmp-") and p.name not in entries_before
                    for p in target.iterdir()):
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.01))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        model = load_model(target)  # checks every sha256: a whole model, old or new
        assert model.classifier.predict(["严格执行三个规定。"])[0] in model.taxonomy.ids
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        new_entries = {p.name for p in target.iterdir()} - entries_before - {manifest["data_dir"]}
        if new_entries:  # killed with its temporary or new data folder half done
            outcomes["mid-write"] += 1
        elif (target / MANIFEST).read_bytes() == before:
            outcomes["old"] += 1
        else:
            outcomes["new"] += 1
    # the next training cleans up whatever a killed one left behind
    assert _train(labels, target, seed=99).wait(timeout=120) == 0
    manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(p.name for p in target.iterdir()) == sorted([MANIFEST, manifest["data_dir"]])
    print(f"kills: {outcomes}, one training run {duration:.1f}s")


def test_two_trainings_into_one_folder_do_not_interleave(tiny_model, labels, tmp_path):
    target = tmp_path / "m"
    save_model(tiny_model, target)
    first, second = _train(labels, target, seed=3), _train(labels, target, seed=4)
    assert first.wait(timeout=120) == 0 and second.wait(timeout=120) == 0
    model = load_model(target)
    assert model.manifest["seed"] in (3, 4)
    assert len([p for p in target.iterdir() if p.name.startswith("data-")]) == 1


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_training_leaves_no_process_behind(labels, tmp_path):
    import psutil

    killed = 0
    for attempt in range(6):
        process = _train(labels, tmp_path / f"m{attempt}", seed=attempt)
        parent = psutil.Process(process.pid)
        children: list = []
        deadline = time.monotonic() + 60
        while not children and process.poll() is None and time.monotonic() < deadline:
            children = parent.children(recursive=True)
            time.sleep(0.005)
        if not children:  # finished (or a single core: no child) before one was seen
            process.wait(timeout=60)
            continue
        time.sleep(0.05 * attempt)  # while the child fits, or after it has sent its model
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        killed += 1
        _, alive = psutil.wait_procs(children, timeout=60)
        for child in alive:
            child.kill()
        assert not alive, f"{len(alive)} process(es) of a killed training still running"
    if not killed:
        pytest.skip("no training ran a child process here (one core?)")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_classify_leaves_no_worker_behind(tiny_model_dir, tmp_path):
    import psutil

    from tests.conftest import TINY

    reports = tmp_path / "reports"
    reports.mkdir()
    text = "\n".join(t for t, _ in TINY)
    for n in range(40):
        (reports / f"r{n:02d}.txt").write_text(text * 200, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "topics", "classify", str(reports), "--model", str(tiny_model_dir),
         "--jobs", "2", "--format", "jsonl", "--out", str(tmp_path / "out.jsonl")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(process.pid)
    workers: list = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
        workers = parent.children(recursive=True)
        time.sleep(0.01)
    assert len(workers) >= 2, "the workers did not start"
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    _, alive = psutil.wait_procs(workers, timeout=30)
    for worker in alive:
        worker.kill()
    assert not alive, f"{len(alive)} worker(s) of a killed classify still running"
    assert not (tmp_path / "out.jsonl").exists()
