"""Files shared between this process and worker processes: order, bounds, dead workers."""

import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest

from topics.errors import WorkerError
from topics.parallel import sharing as batch
from topics.pipeline.label import label_input
from topics.render.records import unit_record


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


def test_a_worker_still_starting_is_given_nothing_then_shares_once_started():
    from concurrent.futures import Future

    started = Future()
    out = []
    with ThreadPoolExecutor(1) as executor:
        sharing = batch._Sharing(executor, 1, lambda item: ("here", item),
                                 lambda item: (_slow, "worker", item, 0.0),
                                 list(range(20)), (started,))
        for outcome in sharing.outcomes():
            out.append(outcome)
            if len(out) == 5:
                started.set_result(None)  # the worker has loaded its model
    assert [item for _, item in out] == list(range(20))
    assert {who for who, _ in out[:5]} == {"here"}
    assert "worker" in {who for who, _ in out[5:]}


def test_a_worker_that_dies_while_starting_stops_the_labelling():
    from concurrent.futures import Future

    started = Future()
    started.set_exception(BrokenProcessPool("a worker died"))
    with ThreadPoolExecutor(1) as executor:
        sharing = batch._Sharing(executor, 1, lambda item: ("here", item),
                                 lambda item: (_slow, "worker", item, 0.0),
                                 list(range(5)), (started,))
        with pytest.raises(BrokenProcessPool):
            list(sharing.outcomes())


class _BreaksAfter(ThreadPoolExecutor):
    """An executor that refuses work, as a broken process pool does, after a few items."""

    def __init__(self, accepted: int):
        super().__init__(1)
        self.accepted = accepted

    def submit(self, *args):
        if self.accepted == 0:
            raise BrokenProcessPool("a worker died")
        self.accepted -= 1
        return super().submit(*args)


def test_shared_labelling_stops_when_no_worker_can_be_given_a_file():
    import threading

    outcome = []

    def run():
        with _BreaksAfter(2) as executor:
            sharing = batch._Sharing(executor, 1, lambda item: ("here", item),
                                     lambda item: (_slow, "worker", item, 0.01),
                                     list(range(30)))
            try:
                outcome.extend(sharing.outcomes())
            except BrokenProcessPool as exc:
                outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "labelling hung when the pool broke"
    assert isinstance(outcome[-1], BrokenProcessPool)
    assert [item for _, item in outcome[:-1]] == list(range(len(outcome) - 1))


class _KillsTheWorker:
    """An item whose unpickling ends the worker process at once."""

    def __reduce__(self):
        return os._exit, (3,)


def test_a_dead_worker_is_a_clear_error_and_the_next_run_starts_afresh(tiny_model_dir,
                                                                       report_file):
    from concurrent.futures import wait

    from topics.bundle import load_model
    from topics.parallel.pool import worker_pool

    model = load_model(tiny_model_dir)
    items = [_KillsTheWorker()] + [str(report_file)] * 3  # one batch: to the started worker
    with worker_pool(1, str(tiny_model_dir)) as pool:
        wait(pool.starting)
        with pytest.raises(WorkerError, match="a worker process died"):
            list(batch.label_files(model, items, None, 10 ** 7, pool=pool))
    one = list(batch.label_files(model, [str(report_file)] * 4, None, 10 ** 7, n_jobs=1))
    two = list(batch.label_files(model, [str(report_file)] * 4, None, 10 ** 7, n_jobs=2))
    assert [[unit_record(r) for r in results] for _, results in one] == \
           [[unit_record(r) for r in results] for _, results in two]


@pytest.mark.parametrize("batch_units", [4096, 7])
def test_plain_jsonl_from_prediction_columns_equals_the_results(tiny_model_dir, batch_units,
                                                                monkeypatch, write_jsonl):
    """jsonl without --explain skips the per-unit results; the lines are the same."""
    import json

    from topics import config
    from topics.bundle import load_model
    from topics.pipeline.inputs import load_input
    from topics.render.jsonl import results_jsonl
    from topics.render.outputs import renderer

    monkeypatch.setattr("topics.pipeline.model.BATCH_UNITS", batch_units)
    model = load_model(tiny_model_dir)
    render = renderer("jsonl", model.taxonomy)
    two_reports = write_jsonl("two.jsonl", [{"text": "严格执行三个规定。", "report": "a"},
                                            {"text": "开展警示教育。", "report": "b"}])
    for path in [*config.seed_paths(), two_reports]:
        loaded = load_input(str(path))
        _, rendered = label_input(model, loaded, render)
        expected = results_jsonl(model.classify_units(loaded.units, explain=False))
        assert rendered.data.decode("utf-8") == expected
        assert rendered.units == len(loaded.units) == expected.count("\n")
        assert [json.loads(line)["index"] for line in expected.splitlines()] == \
               [u.index for u in loaded.units]


@pytest.mark.parametrize("batch_units", [4096, 2])
def test_jsonl_of_labelled_columns_equals_the_results(tiny_model_dir, batch_units, monkeypatch,
                                                      write_jsonl):
    """Every kind of input, explained or not: the columns write what the results write."""
    from topics import config
    from topics.bundle import load_model
    from topics.pipeline.inputs import load_input
    from topics.render.jsonl import labelled_jsonl, results_jsonl

    monkeypatch.setattr("topics.pipeline.model.BATCH_UNITS", batch_units)
    model = load_model(tiny_model_dir)
    with_ids = write_jsonl("ids.jsonl", [{"text": "严格执行三个规定。", "id": 1, "report": "a"},
                                         {"text": "開展警示教育。", "report": "b"},
                                         {"text": "举办培训班。", "id": "x", "report": "b"}])
    for path in [config.seed_paths()[0], with_ids]:
        loaded = load_input(str(path))
        for n_evidence, topics in ((None, False), (5, True), (3, False), (None, True)):
            labelled = model.label_units(loaded.units, loaded.ids, n_evidence=n_evidence,
                                         topics=topics, in_context=loaded.in_context)
            results = labelled.results()
            assert labelled_jsonl(labelled) == results_jsonl(results)
            assert [r.text for r in results] == [u.shown for u in loaded.units]
            assert (results[0].evidence is None) == (n_evidence is None)
            assert (results[0].topic is None) == (not topics)


def test_batches_are_consecutive_files_within_a_budget(tmp_path):
    from topics.errors import InputError

    sizes = [10, 3_000, 200_000, 0, 50, 700_000, 40_000, 40_000, 40_000, 5] + [2_000] * 200
    items = []
    for number, size in enumerate(sizes):
        path = tmp_path / f"{number:03d}.txt"
        path.write_bytes(b"x" * size)
        items.append(str(path))
    items[3:3] = [InputError("gone.txt: not found"), str(tmp_path / "missing.txt")]
    for processes in (1, 2, 4):
        made = batch.batches(items, processes)
        assert [item for batch in made for item in batch] == items  # order, nothing lost
        budget = min(batch.MAX_BATCH_BYTES,
                     max(batch.MIN_BATCH_BYTES,
                         (sum(sizes) + len(items) * batch.FILE_BYTES) // (4 * processes)))
        for files in made:
            held = sum(batch._size(f) + batch.FILE_BYTES for f in files)
            assert len(files) == 1 or held <= budget
        assert [str(tmp_path / "005.txt")] in made  # larger than any budget: alone
        assert len(made) < len(items) / 5  # small files go together
        assert len(made) >= min(4 * processes, 8)  # and every process gets several batches


def _many_small_reports(tmp_path, count=40):
    texts = ["一、加强政治建设\n坚持党的绝对领导。深入学习贯彻。", "严格执行三个规定。",
             "开展警示教育，筑牢廉洁防线。", "举办业务培训班，提升检察官素能。"]
    items = []
    for number in range(count):
        path = tmp_path / f"r{number:02d}.txt"
        path.write_text(texts[number % len(texts)] * (1 + number % 5), encoding="utf-8")
        items.append(str(path))
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    items[7:7] = [str(broken)]
    items[20:20] = [str(tmp_path / "missing.txt")]
    return items


def _comparable(outcomes):
    from topics.errors import InputError

    return [str(o) if isinstance(o, InputError) else o for o in outcomes]


@pytest.mark.parametrize("fmt", ["jsonl", "explained jsonl"])
def test_small_files_in_batches_in_workers_give_what_one_process_gives(
        tiny_model_dir, tmp_path, monkeypatch, fmt):
    """Batches of files, shared with a worker: same outcomes, bad files reported in place."""
    from topics.bundle import load_model
    from topics.errors import InputError
    from topics.render.outputs import renderer

    model = load_model(tiny_model_dir)
    render = renderer("jsonl", model.taxonomy, explain=fmt.startswith("explained"))
    items = _many_small_reports(tmp_path)
    monkeypatch.setattr(batch, "MIN_BATCH_BYTES", 1_500)  # several batches of a few files
    assert 5 < len(batch.batches(items, 2)) < len(items) / 2
    one = list(batch.label_files(model, items, None, 10 ** 7, n_jobs=1, render=render))
    two = list(batch.label_files(model, items, None, 10 ** 7, n_jobs=2, render=render))
    assert len(one) == len(items)
    assert [i for i, o in enumerate(one) if isinstance(o, InputError)] == [7, 20]
    assert _comparable(two) == _comparable(one)


def test_a_worker_labels_its_batch_as_this_process_labels_files_in_turn(tiny_model_dir,
                                                                        tmp_path):
    from topics.bundle import load_model
    from topics.parallel.worker import label_in_worker, manifest_key
    from topics.pipeline.label import label_files_in_turn

    items = _many_small_reports(tmp_path, 12)
    model = load_model(tiny_model_dir)
    got = label_in_worker(str(tiny_model_dir), manifest_key(model), items, None, 10 ** 7, None)
    expected = list(label_files_in_turn(model, items, None, 10 ** 7))
    assert len(got) == len(items)
    assert _comparable(got) == _comparable(expected)


def test_the_last_batches_shrink_so_that_no_process_waits_long_for_another(tmp_path):
    items = []
    for number in range(300):
        path = tmp_path / f"{number:03d}.txt"
        path.write_bytes(b"x" * 3_000)
        items.append(str(path))
    for processes in (2, 3):
        made = batch.batches(items, processes)
        assert [item for files in made for item in files] == items
        held = [sum(batch._size(f) + batch.FILE_BYTES for f in files) for files in made]
        first = min(batch.MAX_BATCH_BYTES, sum(held) // (4 * processes))
        assert held[0] > batch.MIN_BATCH_BYTES and held[0] <= first
        assert all(later <= earlier for earlier, later in zip(held, held[1:], strict=False))
        assert max(held[-3:]) <= batch.MIN_BATCH_BYTES  # the end: small batches


def _held_models():
    from topics.parallel import worker

    return sorted(worker._MODELS)


def test_workers_load_the_model_of_a_folder_given_before_any_file(tiny_model_dir):
    from topics.parallel.pool import worker_pool

    with worker_pool(1, str(tiny_model_dir)) as pool:  # its tasks run in the order given
        assert pool.executor.submit(_held_models).result() == [str(tiny_model_dir)]
    with worker_pool(1) as pool:
        assert pool.executor.submit(_held_models).result() == []


def test_a_worker_labels_with_the_model_it_was_given_not_one_preloaded_before(
        tiny_model_dir, tmp_path, monkeypatch):
    from topics.bundle import load_model
    from topics.errors import ModelError
    from topics.parallel import worker
    from topics.pipeline.label import label_files_in_turn

    monkeypatch.setattr(worker, "_MODELS", {})
    items = _many_small_reports(tmp_path, 6)
    model = load_model(tiny_model_dir)
    key, folder = worker.manifest_key(model), str(tiny_model_dir)
    worker.preload(folder)
    assert worker._MODELS[folder][0] == key
    worker._MODELS[folder] = ("a model since replaced on disk", None)
    got = worker.label_in_worker(folder, key, items, None, 10 ** 7, None)
    assert _comparable(got) == _comparable(list(label_files_in_turn(model, items, None, 10 ** 7)))
    assert worker._MODELS[folder][0] == key  # loaded again from the folder
    with pytest.raises(ModelError, match="changed on disk since it was loaded"):
        worker.label_in_worker(folder, "the key of another model", items, None, 10 ** 7, None)
