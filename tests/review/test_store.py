import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topics.errors import LabelError
from topics.labels import load_labels
from topics.review.store import LabelStore

IDS = ["political", "talent", "discipline", "culture", "management", "performance", "reform",
       "other"]


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_record_is_on_disk_with_the_fields_train_reads(tmp_path, taxonomy):
    path = tmp_path / "labels" / "reviewed.jsonl"
    store = LabelStore(path, taxonomy.ids)
    assert store.open().records == 0
    store.record("a.txt", 3, "举办业务培训班。", "talent", "political", 0.61234)
    store.record("a.txt", 4, "开展警示教育。", "discipline", "discipline", 0.9)
    written = lines(path)
    assert [(r["report"], r["index"], r["label"], r["model_label"]) for r in written] == [
        ("a.txt", 3, "talent", "political"), ("a.txt", 4, "discipline", "discipline")]
    assert written[0]["confidence"] == 0.6123 and written[0]["time"].endswith("+00:00")
    loaded = load_labels(path, taxonomy)
    assert [(s.text, s.label, s.report, s.index) for s in loaded] == [
        ("举办业务培训班。", "talent", "a.txt", 3), ("开展警示教育。", "discipline", "a.txt", 4)]


def test_a_unit_reviewed_again_is_replaced_not_duplicated(tmp_path, taxonomy):
    path = tmp_path / "reviewed.jsonl"
    store = LabelStore(path, taxonomy.ids)
    store.open()
    store.record("a.txt", 0, "x", "talent", "other", 0.5)
    store.record("a.txt", 1, "y", "culture", "other", 0.5)
    store.record("a.txt", 0, "x", "reform", "other", 0.5)
    assert [(r["index"], r["label"]) for r in lines(path)] == [(0, "reform"), (1, "culture")]
    load_labels(path, taxonomy)  # no duplicate ids: train accepts it
    store.close()
    again = LabelStore(path, taxonomy.ids)
    again.open()
    assert again.get(("a.txt", 0))["label"] == "reform"


def test_a_torn_last_line_is_dropped_and_the_file_repaired(tmp_path, taxonomy):
    path = tmp_path / "reviewed.jsonl"
    store = LabelStore(path, taxonomy.ids)
    store.open()
    store.record("a.txt", 0, "x", "talent", "other", 0.5)
    whole = path.read_bytes()
    path.write_bytes(whole + '{"report": "a.txt", "index": 1, "text": "半'.encode()[:-1])
    store.close()
    again = LabelStore(path, taxonomy.ids)
    opened = again.open()
    assert opened.records == 1 and opened.torn_bytes > 0
    assert path.read_bytes() == whole
    again.record("a.txt", 1, "y", "culture", "other", 0.5)
    assert [r["index"] for r in lines(path)] == [0, 1]


def test_a_last_record_without_its_newline_is_kept(tmp_path, taxonomy):
    path = tmp_path / "reviewed.jsonl"
    path.write_text(json.dumps({"report": "a", "index": 0, "text": "x", "label": "talent"}),
                    encoding="utf-8")
    store = LabelStore(path, taxonomy.ids)
    assert store.open().records == 1
    store.record("a", 1, "y", "reform", "other", 0.4)
    assert [r["index"] for r in lines(path)] == [0, 1]


def test_duplicates_of_a_hand_edited_file_last_wins_and_rewritten(tmp_path, taxonomy):
    path = tmp_path / "reviewed.jsonl"
    records = [{"report": "a", "index": 0, "text": "x", "label": "talent"},
               {"report": "a", "index": 0, "text": "x", "label": "reform"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    store = LabelStore(path, taxonomy.ids)
    assert store.open().duplicates == 1
    assert [r["label"] for r in lines(path)] == ["reform"]


@pytest.mark.parametrize(("line", "message"), [
    ("not json", "line 1: not a JSON record"),
    ('{"report": "a", "index": 0, "text": "x", "label": "nope"}', "line 1: unknown theme 'nope'"),
    ('{"report": "a", "text": "x", "label": "talent"}', "line 1: a reviewed record needs"),
])
def test_a_bad_line_before_the_last_is_an_error_naming_it(tmp_path, taxonomy, line, message):
    path = tmp_path / "reviewed.jsonl"
    good = json.dumps({"report": "a", "index": 1, "text": "y", "label": "talent"})
    path.write_text(line + "\n" + good + "\n", encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(LabelError, match=message) as info:
        LabelStore(path, taxonomy.ids).open()
    assert str(path) in str(info.value)
    assert path.read_bytes() == before  # nothing of the analyst's is touched


def test_a_labels_file_that_is_a_folder_is_an_error(tmp_path, taxonomy):
    with pytest.raises(LabelError, match="is a folder"):
        LabelStore(tmp_path, taxonomy.ids).open()


@settings(deadline=None, max_examples=40)
@given(st.lists(st.tuples(st.integers(0, 5), st.sampled_from(IDS)), min_size=1, max_size=15),
       st.integers(1, 60))
def test_any_crash_loses_at_most_the_unfinished_last_record(tmp_path_factory, steps, cut):
    """Cut the file anywhere inside its last line: reopening keeps every earlier record."""
    path = tmp_path_factory.mktemp("s") / "reviewed.jsonl"
    store = LabelStore(path, IDS)
    store.open()
    for index, label in steps:
        store.record("r", index, f"t{index}", label, "other", 0.5)
    data = path.read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    cut_at = max(last_start, len(data) - cut)
    path.write_bytes(data[:cut_at])
    store.close()
    again = LabelStore(path, IDS)
    again.open()
    again.close()
    expected = dict(store.records)
    last = json.loads(data[last_start:].decode())
    if cut_at < len(data) - 1:  # the last line lost (only its newline cut keeps it)
        del expected[(last["report"], last["index"])]
    assert {k: v["label"] for k, v in again.records.items()} == {
        k: v["label"] for k, v in expected.items()}


def test_a_second_store_on_one_file_is_refused_until_the_first_closes(tmp_path, taxonomy):
    path = tmp_path / "reviewed.jsonl"
    with LabelStore(path, taxonomy.ids) as first:
        first.open()
        with pytest.raises(LabelError, match="in use by another topics review"):
            LabelStore(path, taxonomy.ids).open()
    with LabelStore(path, taxonomy.ids) as second:
        assert second.open().records == 0
