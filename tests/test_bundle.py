import json
import os
import pickle

import pytest

from topics.bundle import FORMAT_VERSION, MANIFEST, load_model, lock_path, save_model
from topics.errors import ModelError

SENTENCES = ["严格执行三个规定，开展警示教育。", "举办业务培训班。", "今天下雨。"]


def _records(model):
    predictions, topics = model.label(SENTENCES)
    return [(p.theme, p.scores, p.evidence, t) for p, t in zip(predictions, topics, strict=True)]


def test_save_load_gives_the_same_predictions(tiny_model, tiny_model_dir):
    loaded = load_model(tiny_model_dir)
    assert _records(loaded) == _records(tiny_model)
    assert loaded.topic_model.topic_themes_ == tiny_model.topic_model.topic_themes_
    assert loaded.topic_model.summary(10) == tiny_model.topic_model.summary(10)
    assert loaded.classifier.top_terms(5) == tiny_model.classifier.top_terms(5)


def test_manifest_says_how_the_model_was_made(tiny_model_dir):
    manifest = json.loads((tiny_model_dir / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["format_version"] == FORMAT_VERSION
    assert any(name.endswith("context.json") for name in manifest["artifacts"])
    assert manifest["seed"] == 0
    for key in ("created", "versions", "taxonomy", "artifacts", "classifier", "segmenter",
                "training", "metrics", "topics"):
        assert key in manifest
    assert {"python", "scikit-learn", "gensim", "jieba"} <= set(manifest["versions"])
    assert all(len(h) == 64 for h in manifest["artifacts"].values())
    # only JSON and plain arrays: nothing that unpickles
    assert all(name.endswith((".json", ".npy")) for name in manifest["artifacts"])


@pytest.fixture
def bundle_copy(tiny_model, tmp_path):
    target = tmp_path / "m"
    save_model(tiny_model, target)
    return target


def test_saving_over_an_existing_bundle_replaces_it_whole(tiny_model, bundle_copy):
    from topics.bundle import JOURNAL

    # what a writer killed mid-way left, named in its journal (only that is removed)
    left = ["data-" + "5" * 16, ".tmp-" + "f" * 32]
    for name in left:
        (bundle_copy / name).mkdir()
    (bundle_copy / JOURNAL).write_text("\n".join(left), encoding="utf-8")
    save_model(tiny_model, bundle_copy)
    manifest = json.loads((bundle_copy / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(p.name for p in bundle_copy.iterdir()) == sorted([MANIFEST, manifest["data_dir"]])
    assert load_model(bundle_copy)


def _edit_manifest(folder, change):
    """Change the manifest and give it its new sha256 (as a deliberate forger would)."""
    from tests.test_hostile_models import reseal

    path = folder / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    reseal(folder, manifest)
    return manifest


def _artifact(folder, suffix):
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return next(folder / name for name in manifest["artifacts"] if name.endswith(suffix))


def test_tampered_artifact_is_refused(bundle_copy):
    with open(_artifact(bundle_copy, "classifier.coef.npy"), "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="classifier.coef.npy does not match its sha256"):
        load_model(bundle_copy)


def test_other_library_versions_are_refused(bundle_copy):
    _edit_manifest(bundle_copy, lambda m: m["versions"].update({"scikit-learn": "0.1.0"}))
    with pytest.raises(ModelError, match=r"other library versions \(scikit-learn 0.1.0"):
        load_model(bundle_copy)


def test_newer_format_version_is_refused(bundle_copy):
    _edit_manifest(bundle_copy, lambda m: m.update({"format_version": 99}))
    with pytest.raises(ModelError, match="format version 99 is newer"):
        load_model(bundle_copy)


@pytest.mark.parametrize("name", ["../x.json", "/etc/passwd"])
def test_manifest_pointing_outside_the_folder_is_refused(bundle_copy, name):
    _edit_manifest(bundle_copy, lambda m: m["artifacts"].update({name: "0" * 64}))
    with pytest.raises(ModelError, match="outside the model folder"):
        load_model(bundle_copy)


def test_symlinked_artifact_is_refused(bundle_copy, tmp_path):
    artifact = _artifact(bundle_copy, "segmenter.json")
    real = tmp_path / "elsewhere.json"
    real.write_bytes(artifact.read_bytes())
    artifact.unlink()
    artifact.symlink_to(real)
    with pytest.raises(ModelError, match="is a symlink"):
        load_model(bundle_copy)


class _Exploit:
    """Unpickling this runs ``os.system``: the classic poisoned model file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_malicious_pickle_in_the_model_folder_never_runs(bundle_copy, tmp_path):
    from tests.test_hostile_models import forge

    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Exploit(marker))
    # plant it under every name an unsafe loader might open, with honest checksums
    (bundle_copy / "classifier.joblib").write_bytes(payload)
    forge(bundle_copy, {"classifier.coef.npy": payload})
    with pytest.raises(ModelError, match="classifier.coef.npy: not a readable .npy array"):
        load_model(bundle_copy)
    assert not marker.exists()
    # and the same bytes do run when unpickled: the test would notice a pickle load
    pickle.loads(payload)
    assert marker.exists()


def test_missing_or_broken_bundles(tmp_path):
    with pytest.raises(ModelError, match="no model folder"):
        load_model(tmp_path / "none")
    with pytest.raises(ModelError, match="no manifest.json"):
        load_model(tmp_path)
    (tmp_path / MANIFEST).write_text("{", encoding="utf-8")
    with pytest.raises(ModelError, match="unreadable manifest"):
        load_model(tmp_path)


def test_a_second_writer_waits_for_the_lock_then_gives_up(tiny_model, bundle_copy):
    from filelock import FileLock

    messages = []
    with FileLock(str(lock_path(bundle_copy))):
        with pytest.raises(ModelError, match="still locked by another topics process"):
            save_model(tiny_model, bundle_copy, lock_timeout=0.2, wait=messages.append)
    assert messages and "waiting up to" in messages[0]
    assert load_model(bundle_copy)


def test_same_data_same_seed_gives_byte_identical_artifacts_and_output(taxonomy, tiny_data, tmp_path,
                                                                      report_file):
    from click.testing import CliRunner

    from topics.cli import main
    from topics.train import train_model

    outputs = []
    for name in ("a", "b"):
        model = train_model(taxonomy, tiny_data, seed=7, n_free_topics=1, evaluate=False)
        save_model(model, tmp_path / name)
        manifest = json.loads((tmp_path / name / MANIFEST).read_text(encoding="utf-8"))
        result = CliRunner().invoke(main, ["classify", str(report_file), "--model", str(tmp_path / name),
                                           "--format", "jsonl"])
        outputs.append((manifest["artifacts"], manifest["data_dir"], result.stdout))
    assert outputs[0] == outputs[1]
    for relative in outputs[0][0]:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()


def test_a_document_that_passed_its_schema_is_not_checked_again_unless_it_changed(
        tmp_path, monkeypatch):
    import json

    from topics import bundle_schema
    from topics.errors import ModelError

    monkeypatch.setenv("TOPICS_HOME", str(tmp_path))
    bundle_schema._kept_validations.cache_clear()
    schema = {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}
    good, bad = b'{"n": 1}', b'{"n": "x"}'
    bundle_schema.validate(json.loads(good), schema, "m.json", good)
    with pytest.raises(ModelError, match="m.json: field n"):
        bundle_schema.validate(json.loads(bad), schema, "m.json", bad)
    kept = json.loads((tmp_path / "validated.json").read_text(encoding="utf-8"))
    assert len(kept) == 1  # the one that passed
    bundle_schema._kept_validations.cache_clear()  # as a new process reads it

    def no_checking():
        raise AssertionError("checked again")

    monkeypatch.setattr(bundle_schema, "_validator_class", no_checking)
    bundle_schema.validate(json.loads(good), schema, "m.json", good)  # kept: not checked
    with pytest.raises(AssertionError, match="checked again"):  # other bytes are checked
        bundle_schema.validate(json.loads(bad), schema, "m.json", bad)
    with pytest.raises(AssertionError, match="checked again"):  # so is another schema
        bundle_schema.validate(json.loads(good), {**schema, "minProperties": 1}, "m.json", good)
    bundle_schema._kept_validations.cache_clear()


def test_a_manifest_whose_sha256_matched_is_not_hashed_again_unless_it_changed(
        bundle_copy, tmp_path, monkeypatch):
    from topics import bundle, bundle_schema

    monkeypatch.setenv("TOPICS_HOME", str(tmp_path / "home"))
    bundle_schema._kept_validations.cache_clear()
    load_model(bundle_copy)
    bundle_schema._kept_validations.cache_clear()  # as a new process reads it

    def no_hashing(_manifest):
        raise AssertionError("hashed again")

    monkeypatch.setattr(bundle, "_manifest_digest", no_hashing)
    assert load_model(bundle_copy)  # the same bytes: kept
    path = bundle_copy / MANIFEST
    path.write_bytes(path.read_bytes().replace(b'"created": "', b'"created": "1', 1))
    with pytest.raises(AssertionError, match="hashed again"):  # other bytes are hashed
        load_model(bundle_copy)
    monkeypatch.undo()
    monkeypatch.setenv("TOPICS_HOME", str(tmp_path / "home"))
    with pytest.raises(ModelError, match="does not match its sha256"):  # and refused
        load_model(bundle_copy)
    bundle_schema._kept_validations.cache_clear()


def test_a_vocabulary_without_duplicates_is_not_checked_again_unless_its_bytes_changed(
        tmp_path, monkeypatch):
    from topics import bundle_schema

    monkeypatch.setenv("TOPICS_HOME", str(tmp_path))
    bundle_schema._kept_validations.cache_clear()
    bundle_schema._unique_kept(b'["a", "b"]', [(["a", "b"], "the words")], "m")
    bundle_schema._kept_validations.cache_clear()  # as a new process reads it
    # the same bytes: kept, so these values (which those bytes could not give) pass unseen
    bundle_schema._unique_kept(b'["a", "b"]', [(["a", "a"], "the words")], "m")
    with pytest.raises(ModelError, match="m: the words holds duplicates"):
        bundle_schema._unique_kept(b'["a", "a"]', [(["a", "a"], "the words")], "m")
    with pytest.raises(ModelError, match="m: other words holds duplicates"):  # another check
        bundle_schema._unique_kept(b'["a", "b"]', [(["a", "a"], "other words")], "m")
    with pytest.raises(ModelError, match="m: the words holds duplicates"):  # not kept
        bundle_schema._unique_kept(None, [(["a", "a"], "the words")], "m")
    bundle_schema._kept_validations.cache_clear()


def test_kept_validations_never_go_through_a_link_or_a_fifo_in_the_cache(tmp_path, monkeypatch):
    """A link or a FIFO planted at validated.json is replaced, never written through or read."""
    import json
    import os
    import threading

    from topics import bundle_schema

    monkeypatch.setenv("TOPICS_HOME", str(tmp_path))
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's file", encoding="utf-8")
    kept = tmp_path / "validated.json"
    kept.symlink_to(victim)
    bundle_schema._kept_validations.cache_clear()
    bundle_schema._keep_validation("a")
    assert victim.read_text(encoding="utf-8") == "the user's file"
    assert not kept.is_symlink() and json.loads(kept.read_text(encoding="utf-8")) == ["a"]

    kept.unlink()
    os.mkfifo(kept)
    bundle_schema._kept_validations.cache_clear()
    done = threading.Thread(target=bundle_schema._keep_validation, args=("b",), daemon=True)
    done.start()
    done.join(timeout=10)
    assert not done.is_alive(), "blocked on the FIFO"
    assert json.loads(kept.read_text(encoding="utf-8")) == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["validated.json", "victim.txt"]
    bundle_schema._kept_validations.cache_clear()


def test_a_validation_key_made_from_the_bytes_digest_is_the_key_made_from_the_bytes():
    import hashlib

    from topics import bundle_schema

    for raw in (b"", b'{"n": 1}', "报告".encode() * 1000):
        check = {"check": "unique", "what": ["the words"]}
        assert (bundle_schema._validation_key(raw, check, hashlib.sha256(raw).digest())
                == bundle_schema._validation_key(raw, check))


def test_loading_a_model_hashes_each_artifact_once(bundle_copy, tmp_path, monkeypatch):
    """The kept checks take the digests the artifacts were just verified against."""
    import hashlib

    from topics import bundle, bundle_schema

    monkeypatch.setenv("TOPICS_HOME", str(tmp_path / "home"))
    bundle_schema._kept_validations.cache_clear()
    load_model(bundle_copy)  # checks run and are kept
    bundle_schema._kept_validations.cache_clear()  # as a new process reads it
    hashed, sha256 = [], hashlib.sha256

    def counted(data=b"", **kwargs):
        hashed.append(bytes(data))
        return sha256(data, **kwargs)

    monkeypatch.setattr(bundle.hashlib, "sha256", counted)
    assert load_model(bundle_copy)  # kept: nothing checked again, yet found kept
    big = [data for data in hashed if len(data) > 4096]
    assert big and len(big) == len(set(big))  # no artifact hashed twice
    bundle_schema._kept_validations.cache_clear()
