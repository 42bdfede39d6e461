import json

import pytest

from topics.bundle import MANIFEST, load_model, save_model
from topics.errors import ModelError

SENTENCES = ["严格执行三个规定，开展警示教育。", "举办业务培训班。", "今天下雨。"]


def _records(model):
    predictions, topics = model.label(SENTENCES)
    return [(p.theme, round(p.confidence, 6), t) for p, t in zip(predictions, topics, strict=True)]


def test_save_load_gives_the_same_predictions(tiny_model, tiny_model_dir):
    loaded = load_model(tiny_model_dir)
    assert _records(loaded) == _records(tiny_model)
    assert loaded.topic_model.topic_themes_ == tiny_model.topic_model.topic_themes_


def test_manifest_says_how_the_model_was_made(tiny_model_dir):
    manifest = json.loads((tiny_model_dir / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format_version"] == 1
    assert manifest["seed"] == 0
    for key in ("created", "versions", "taxonomy", "artifacts", "classifier", "segmenter",
                "training", "metrics", "topics"):
        assert key in manifest
    assert {"python", "scikit-learn", "gensim", "jieba"} <= set(manifest["versions"])
    assert all(len(h) == 64 for h in manifest["artifacts"].values())


def test_saving_over_an_existing_bundle_replaces_it_whole(tiny_model, tmp_path):
    target = tmp_path / "m"
    save_model(tiny_model, target)
    (target / "stray.txt").write_text("old", encoding="utf-8")
    save_model(tiny_model, target)
    assert not (target / "stray.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary folders left behind


@pytest.fixture
def bundle_copy(tiny_model, tmp_path):
    target = tmp_path / "m"
    save_model(tiny_model, target)
    return target


def _edit_manifest(folder, change):
    path = folder / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def test_tampered_artifact_is_refused(bundle_copy):
    with open(bundle_copy / "classifier.joblib", "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="classifier.joblib does not match its sha256"):
        load_model(bundle_copy)


def test_other_library_versions_are_refused(bundle_copy):
    _edit_manifest(bundle_copy, lambda m: m["versions"].update({"scikit-learn": "0.1.0"}))
    with pytest.raises(ModelError, match=r"other library versions \(scikit-learn 0.1.0"):
        load_model(bundle_copy)


def test_newer_format_version_is_refused(bundle_copy):
    _edit_manifest(bundle_copy, lambda m: m.update({"format_version": 99}))
    with pytest.raises(ModelError, match="format version 99"):
        load_model(bundle_copy)


def test_manifest_pointing_outside_the_folder_is_refused(bundle_copy):
    _edit_manifest(bundle_copy, lambda m: m["artifacts"].update({"../x": "0" * 64}))
    with pytest.raises(ModelError, match="outside the model folder"):
        load_model(bundle_copy)


def test_missing_or_broken_bundles(tmp_path):
    with pytest.raises(ModelError, match="no model folder"):
        load_model(tmp_path / "none")
    with pytest.raises(ModelError, match="no manifest.json"):
        load_model(tmp_path)
    (tmp_path / MANIFEST).write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="unreadable manifest"):
        load_model(tmp_path)
