"""Tables kept between processes: read back, they label as the tables built afresh."""

import numpy as np
import pytest

from topics.bundle import load_model
from topics.classify.tables import KEPT_MODELS, SavedTables, tables_folder
from topics.features.definition import weighted_matrix

TEXTS = ["加强政治建设，坚定理想信念。", "检察人才培养 2024 年取得成效", "XX市检察院开展廉政教育",
         "落实全面从严治党主体责任", ""]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPICS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _explained(model):
    classifier = model.classifier
    features = weighted_matrix(classifier.blocks(TEXTS), classifier.params)
    return features, classifier.predict_columns(TEXTS, 3).evidence


def _same(first, second):
    (a, evidence_a), (b, evidence_b) = first, second
    return (np.array_equal(a.data, b.data) and np.array_equal(a.indices, b.indices)
            and np.array_equal(a.indptr, b.indptr) and evidence_a == evidence_b)


def test_kept_tables_label_as_the_tables_built_afresh(home, tiny_model_dir):
    built = load_model(tiny_model_dir)
    fresh = _explained(built)
    kept = sorted(p.name.split(".")[1] for p in tables_folder().iterdir())
    assert kept == ["coefs", "display", "features"]
    again = load_model(tiny_model_dir)
    loaded = []
    def load(kind, load=again.classifier.tables.load):  # records the tables it read back
        tables = load(kind)
        if tables is not None:
            loaded.append(kind)
        return tables

    again.classifier.tables.load = load
    assert _same(_explained(again), fresh)
    assert sorted(loaded) == kept  # read back, not built again


@pytest.mark.parametrize("damage", ["truncated", "a bit flipped", "other arrays", "not a file"])
def test_damaged_tables_are_built_again(home, tiny_model_dir, damage):
    fresh = _explained(load_model(tiny_model_dir))
    for path in tables_folder().iterdir():
        if damage == "truncated":
            path.write_bytes(path.read_bytes()[:200])
        elif damage == "a bit flipped":  # in the last array's data: only the sum tells
            data = bytearray(path.read_bytes())
            data[-1] ^= 0x10
            path.write_bytes(bytes(data))
        elif damage == "other arrays":
            np.savez(path, char_table_keys=np.arange(16), columns=np.arange(3))
        else:
            path.unlink()
            path.mkdir()
    assert _same(_explained(load_model(tiny_model_dir)), fresh)


def test_an_unwritable_cache_keeps_nothing_and_labels_all_the_same(tmp_path, monkeypatch,
                                                                   tiny_model_dir):
    expected = load_model(tiny_model_dir).classifier.predict(TEXTS).tolist()
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("TOPICS_HOME", str(blocked))  # a file: no folder can be made in it
    model = load_model(tiny_model_dir)
    assert model.classifier.predict(TEXTS).tolist() == expected
    assert blocked.read_text() == ""


def test_only_the_tables_of_the_latest_models_are_kept(home):
    for number in range(KEPT_MODELS + 2):
        SavedTables({"model": number}).save("features", {"a": np.arange(number)})
    kept = {p.name.split(".")[0] for p in tables_folder().iterdir()}
    assert len(kept) == KEPT_MODELS
    assert SavedTables({"model": KEPT_MODELS + 1}).key in kept
    assert np.array_equal(SavedTables({"model": KEPT_MODELS + 1}).load("features")["a"],
                          np.arange(KEPT_MODELS + 1))
    assert SavedTables({"model": KEPT_MODELS + 7}).load("features") is None


# -- the file of a kind's arrays, against numpy's own .npz ----------------------------------

ARRAYS = {"keys": np.arange(-5, 1000, 7, dtype=np.int64), "columns": np.arange(12, dtype=np.int32),
          "flag": np.array(True), "size": np.array(3), "none": np.zeros(0, dtype=np.int64),
          "matrix": np.arange(24.0).reshape(4, 6)[:, 1:4],  # not contiguous
          "names": np.frombuffer("中文\nx".encode(), np.uint8), "empty": np.zeros((2, 0, 3))}


def _mapped_back(path):
    import os

    from topics.classify.tables import _mapped

    handle = os.open(path, os.O_RDONLY)
    try:
        return _mapped(handle)
    finally:
        os.close(handle)


@pytest.mark.parametrize("arrays", [ARRAYS, {}, {"one": np.arange(1)}])
def test_kept_arrays_map_back_as_numpy_reads_them(tmp_path, arrays):
    from topics.classify.tables import ALIGN, _file_bytes

    np.savez(tmp_path / "reference.npz", **arrays)
    (tmp_path / "kept").write_bytes(_file_bytes(arrays))
    got = _mapped_back(tmp_path / "kept")
    with np.load(tmp_path / "reference.npz") as reference:
        assert sorted(got) == sorted(reference.files)
        for name in reference.files:
            assert got[name].dtype == reference[name].dtype
            assert got[name].shape == reference[name].shape
            assert np.array_equal(got[name], reference[name])
            assert not got[name].flags.writeable  # mapped read-only: never written through
            assert got[name].ctypes.data % ALIGN == 0 or got[name].size == 0


def test_only_numbers_are_kept(home):
    from topics.classify.tables import _file_bytes

    with pytest.raises(TypeError):
        _file_bytes({"words": np.array(["a", "b"], dtype=object)})
    SavedTables({"model": 1}).save("features", {"words": np.array(["a"], dtype=object)})
    assert SavedTables({"model": 1}).load("features") is None  # not kept, nothing read


def test_damaged_files_are_no_tables(tmp_path):
    from topics.classify.tables import MAGIC, _file_bytes

    data = _file_bytes(ARRAYS)
    damaged = [data[:cut] for cut in (0, 5, len(MAGIC) + 4, len(MAGIC) + 30, len(data) - 1)]
    damaged += [b"PK" + data[2:],  # not the magic
                data[:len(MAGIC)] + (1 << 62).to_bytes(8, "little") + data[len(MAGIC) + 8:]]
    for number, bad in enumerate(damaged):
        (tmp_path / str(number)).write_bytes(bad)
        assert _mapped_back(tmp_path / str(number)) is None, number


@pytest.mark.parametrize("entry", [["a", "|O", [1], 0], ["a", "<i8", [-1], 0],
                                   ["a", "<i8", [1], 8], ["a", "<i8", [10 ** 6], 0],
                                   ["a", "<i8", [1.5], 0], ["a", "<U3", [1], 0], ["a"], 7])
def test_an_index_that_cannot_be_the_arrays_is_no_tables(tmp_path, entry):
    (tmp_path / "kept").write_bytes(_file_of_index([entry]))
    assert _mapped_back(tmp_path / "kept") is None


def _file_of_index(entries):
    """A file of the layout whose data are 256 zero bytes (their sum right) and index these."""
    import json

    from topics.classify.tables import ALIGN, MAGIC

    header = json.dumps({"arrays": entries, "sum": 0}).encode()
    head = MAGIC + len(header).to_bytes(8, "little") + header
    return head + bytes(-len(head) % ALIGN) + bytes(256)


def test_a_file_of_a_right_index_maps_back(tmp_path):  # the files above fail for their index
    path = tmp_path / "kept"
    path.write_bytes(_file_of_index([["a", "<i8", [2], 0], ["b", "|b1", [3], 64]]))
    got = _mapped_back(path)
    assert got["a"].tolist() == [0, 0] and got["b"].tolist() == [False] * 3


def test_a_file_whose_data_changed_is_no_tables(tmp_path):
    from topics.classify.tables import _file_bytes

    data = _file_bytes(ARRAYS)
    for at in range(len(data) - 8 * 64, len(data), 61):  # bytes of the arrays' data
        for bit in (0x01, 0x80):
            changed = bytearray(data)
            changed[at] ^= bit
            (tmp_path / "kept").write_bytes(bytes(changed))
            assert _mapped_back(tmp_path / "kept") is None, (at, bit)
    (tmp_path / "kept").write_bytes(data)
    assert _mapped_back(tmp_path / "kept") is not None


def test_an_index_naming_an_array_twice_is_no_tables(tmp_path):
    (tmp_path / "kept").write_bytes(_file_of_index([["a", "<i8", [1], 0], ["a", "<i8", [1], 64]]))
    assert _mapped_back(tmp_path / "kept") is None


def test_tables_of_the_layout_before_are_pruned_as_the_others(home):
    folder = tables_folder()
    folder.mkdir(parents=True)
    old = folder / f"{SavedTables({'model': 0}).key}.features.npz"
    np.savez(old, a=np.arange(3))
    assert SavedTables({"model": 0}).load("features") is None  # never read
    for number in range(1, KEPT_MODELS + 1):
        SavedTables({"model": number}).save("features", {"a": np.arange(number)})
    assert not old.exists()


def _words(count, make=lambda n: f"词{n}"):
    return [make(n) for n in range(count)]


DOCUMENTS = [
    {"params": {"C": 0.5, "word_ngrams": [1, 2], "hints": True, "none": None, "tiny": 1e-300},
     "word_vocabulary": _words(1500), "classes": ["other", "political"],
     "char_vocabulary": _words(1200, lambda n: chr(0x4E00 + n) * (1 + n % 3))},
    {"empties": [""] * 1000, "mixed": ["a", 1] * 600, "short": ["a", "b"]},
    {"breaks": _words(999) + ["a\nb"], "surrogate": _words(999) + ["\ud800"], "keys": {"z": 1, "a": 2},
     "plain": [" 空 格 ", "tab\there", "\u2028", "\r", "é"] * 200},
    {"english": ["the", "cat"] * 500},
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_kept_document_turns_back_into_the_document(tmp_path, document):
    """The reference is the document itself, key order and every list item included."""
    import json

    from topics.classify.tables import _file_bytes, document_arrays, document_of

    arrays = document_arrays(document)
    assert arrays is not None
    back = document_of(arrays)
    assert back == document and list(back) == list(document)
    assert json.dumps(back) == json.dumps(document)
    (tmp_path / "kept").write_bytes(_file_bytes(arrays))  # and through a kept file
    assert document_of(_mapped_back(tmp_path / "kept")) == document


def test_documents_with_nothing_to_gain_or_not_json_are_not_kept():
    from topics.classify.tables import document_arrays

    assert document_arrays({"short": ["a"] * 999, "n": 1}) is None
    assert document_arrays({}) is None
    assert document_arrays(["a"] * 2000) is None
    assert document_arrays({"words": ["a"] * 2000, "odd": {1, 2}}) is None  # not JSON


def test_kept_arrays_of_another_document_are_no_document():
    from topics.classify.tables import document_arrays, document_of

    arrays = document_arrays(DOCUMENTS[0])
    assert document_of({}) is None
    assert document_of({**arrays, "head": np.frombuffer(b"[1]", dtype=np.uint8)}) is None
    one_more = np.frombuffer(arrays["list 0"].tobytes() + b"\nx", dtype=np.uint8)
    assert document_of({**arrays, "list 0": one_more}) is None
    assert document_of({"head": arrays["head"]}) is None
    bad = np.frombuffer(b"\xff" + arrays["list 1"].tobytes(), dtype=np.uint8)
    assert document_of({**arrays, "list 1": bad}) is None


def test_a_model_loaded_again_takes_its_kept_classifier_document(home, tiny_model_dir,
                                                                  monkeypatch):
    import json

    from topics import bundle
    from topics.classify import tables

    monkeypatch.setattr(tables, "_LONG", 1)  # the tiny model's vocabularies are short
    built = load_model(tiny_model_dir)
    assert any(".classifier-json." in p.name for p in tables_folder().iterdir())
    parsed = []

    def parse(data, where, allow_nan=True, parse=bundle._parse_json):
        parsed.append(where)
        return parse(data, where, allow_nan)

    monkeypatch.setattr(bundle, "_parse_json", parse)
    again = load_model(tiny_model_dir)
    assert not [where for where in parsed if where.endswith("classifier.json")]
    assert json.dumps(again.classifier.meta) == json.dumps(built.classifier.meta)
    assert _same(_explained(built), _explained(again))
