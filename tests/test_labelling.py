"""label_many: the one library entry for many inputs, as the CLI runs it."""

import io

import pytest

from topics.bundle import load_model
from topics.errors import InputError, UsageError
from topics.labelling import compare_inputs, label_many, worker_count
from topics.render.jsonl import results_jsonl
from topics.render.outputs import renderer


@pytest.fixture
def reports(tmp_path):
    texts = ["一、加强党的建设\n深入学习贯彻习近平新时代中国特色社会主义思想。\n",
             "二、队伍建设\n举办业务培训班，提升干警履职素能。\n严格执行三个规定。\n",
             "三、文化建设\n打造检察文化品牌，弘扬焦裕禄精神。\n"]
    paths = []
    for i, text in enumerate(texts):
        path = tmp_path / f"r{i}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths


def test_results_in_input_order_the_same_with_workers(tiny_model_dir, reports):
    model = load_model(tiny_model_dir)
    alone = list(label_many(model, reports))
    shared = list(label_many(model, reports, jobs=2))
    assert [name for name, _ in alone] == ["r0.txt", "r1.txt", "r2.txt"]
    assert [results_jsonl(r) for _, r in alone] == [results_jsonl(r) for _, r in shared]


def test_a_model_loader_is_called_once_and_a_renderer_made_for_it(tiny_model_dir, reports):
    calls = []

    def load():
        calls.append(1)
        return load_model(tiny_model_dir)

    labelled = label_many(load, reports, lambda model: renderer("jsonl", model.taxonomy, True))
    rendered = b"".join(r.data for _, r in labelled)
    assert calls == [1] and labelled.model is not None and labelled.render.fmt == "jsonl"
    expected = "".join(results_jsonl(r) for _, r in label_many(labelled.model, reports))
    assert rendered.decode("utf-8") == expected


def test_unreadable_inputs_go_to_on_error_or_are_raised(tiny_model_dir, reports, tmp_path):
    model = load_model(tiny_model_dir)
    heard = []
    labelled = label_many(model, [reports[0], str(tmp_path / "missing.txt"), reports[1]],
                          on_error=heard.append)
    assert [name for name, _ in labelled] == ["r0.txt", "r1.txt"]
    assert labelled.failed == 1 and [str(e) for e in heard] == [
        f"{tmp_path / 'missing.txt'}: no such file or directory"]
    with pytest.raises(InputError, match="missing.txt: no such file or directory"):
        list(label_many(model, [str(tmp_path / "missing.txt")]))


def test_stdin_is_read_from_the_stream_given(tiny_model_dir):
    model = load_model(tiny_model_dir)
    stream = io.BytesIO("举办业务培训班，提升干警履职素能。".encode())
    [(name, results)] = label_many(model, ["-"], stdin=stream)
    assert name == "<stdin>" and len(results) == 1


def test_jobs_and_scheduler_do_not_go_together(tiny_model_dir, reports):
    with pytest.raises(UsageError, match="--jobs and --scheduler"):
        label_many(load_model(tiny_model_dir), reports, jobs=2, scheduler="local:1")


def test_worker_count():
    assert worker_count(1, ["a", "b"]) == 0
    assert worker_count(4, ["a", "b"]) == 1
    assert worker_count(4, ["a", "-", "b"]) == 0  # stdin is read here, and the files with it


def test_compare_inputs_pools_a_folder(tiny_model_dir, reports, tmp_path):
    comparison = compare_inputs(load_model(tiny_model_dir), [reports[0], str(tmp_path)])
    assert comparison.names == ["r0.txt", tmp_path.name]
    assert comparison.profiles[tmp_path.name].total == 2 + 3 + 2  # r0, r1 and r2 pooled


def test_workers_start_before_this_process_imports_the_labelling_code(tiny_model_dir, reports):
    """So that they import it (numpy, scipy, the model) and load the model meanwhile."""
    import json
    import subprocess
    import sys

    code = f"""
import json, sys
from topics.parallel import pool
real, seen = pool.worker_pool, []

def spy(n_workers, model_path=None):
    seen.append([n_workers, "numpy" in sys.modules, "topics.pipeline.model" in sys.modules])
    return real(n_workers, model_path)

pool.worker_pool = spy
from topics.labelling import label_many, model_loader

def load():
    from topics.bundle import load_model
    return load_model({str(tiny_model_dir)!r})

done = label_many(model_loader(load, {str(tiny_model_dir)!r}), {reports!r}, jobs=2)
print(json.dumps([seen, [name for name, _ in done]]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert json.loads(out) == [[[1, False, False]], ["r0.txt", "r1.txt", "r2.txt"]]
