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
    assert kept == ["display", "features"]
    again = load_model(tiny_model_dir)
    loaded = []
    def load(kind, load=again.classifier.tables.load):  # records the tables it read back
        tables = load(kind)
        if tables is not None:
            loaded.append(kind)
        return tables

    again.classifier.tables.load = load
    assert _same(_explained(again), fresh)
    assert loaded == ["features", "display"]  # read back, not built again


@pytest.mark.parametrize("damage", ["truncated", "other arrays", "not a file"])
def test_damaged_tables_are_built_again(home, tiny_model_dir, damage):
    fresh = _explained(load_model(tiny_model_dir))
    for path in tables_folder().iterdir():
        if damage == "truncated":
            path.write_bytes(path.read_bytes()[:200])
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
