"""Tampered, forged and odd model bundles, and odd places to save one: one clear error each.

A *forged* bundle has honest checksums: its files were changed and the manifest rewritten
to match (what someone who read the code would do), so the content itself must be checked.
"""

import hashlib
import io
import json
import os
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from topics.bundle import (
    FORMAT_VERSION,
    JOURNAL,
    MANIFEST,
    OLDEST_FORMAT_VERSION,
    load_model,
    save_model,
)
from topics.bundle_schema import ARTIFACTS
from topics.cli import main
from topics.errors import ModelError


def _json(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def reseal(folder, manifest):
    """Write ``manifest`` with its sha256 recomputed."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    manifest["manifest_sha256"] = hashlib.sha256(_json(body)).hexdigest()
    (folder / MANIFEST).write_bytes(_json(manifest))


def forge(folder, changes):
    """Replace artifacts by name with ``changes`` (bytes) and make every checksum agree."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    old = folder / manifest["data_dir"]
    files = {name: (old / name).read_bytes() for name in ARTIFACTS}
    files.update(changes)
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())}
    data_dir = "data-" + hashlib.sha256(_json(hashes)).hexdigest()[:16]
    shutil.rmtree(old)
    (folder / data_dir).mkdir()
    for name, data in files.items():
        (folder / data_dir / name).write_bytes(data)
    manifest["data_dir"] = data_dir
    manifest["artifacts"] = {f"{data_dir}/{n}": h for n, h in hashes.items()}
    reseal(folder, manifest)
    return folder / data_dir


def _artifact(folder, name):
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return folder / manifest["data_dir"] / name


def _edit(folder, change, seal=True):
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    change(manifest)
    if seal:
        reseal(folder, manifest)
    else:
        (folder / MANIFEST).write_bytes(_json(manifest))


def _npy(array, **kwargs) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, **kwargs)
    return buffer.getvalue()


def _edit_json(folder, name, change):
    data = json.loads(_artifact(folder, name).read_text(encoding="utf-8"))
    change(data)
    forge(folder, {name: json.dumps(data, ensure_ascii=False).encode()})


@pytest.fixture
def bundle(tiny_model_dir, tmp_path):
    target = tmp_path / "m"
    shutil.copytree(tiny_model_dir, target)
    return target


def _refused(folder, pattern):
    with pytest.raises(ModelError, match=pattern) as caught:
        load_model(folder)
    message = str(caught.value)
    assert message.startswith(str(folder)) and "\n" not in message
    return message


# -- the manifest ------------------------------------------------------------------------------


@pytest.mark.parametrize("data_dir", ["../elsewhere", "/tmp/elsewhere", "data-0123", "data-x/.."])
def test_data_dir_pointing_anywhere_else_is_refused(bundle, data_dir):
    _edit(bundle, lambda m: m.update(data_dir=data_dir))
    _refused(bundle, r"field data_dir does not match")


def test_data_dir_renamed_with_its_artifacts_is_refused(bundle):
    def rename(m):
        m["artifacts"] = {k.replace(m["data_dir"], "data-" + "0" * 16): v
                          for k, v in m["artifacts"].items()}
        m["data_dir"] = "data-" + "0" * 16
    (bundle / json.loads((bundle / MANIFEST).read_bytes())["data_dir"]).rename(
        bundle / ("data-" + "0" * 16))
    _edit(bundle, rename)
    _refused(bundle, r"data folder data-0{16} is not named after its files' sha256")


def test_an_edited_manifest_is_refused(bundle):
    # a cue word's weight changed: the classifier would score with a taxonomy it never saw
    def change(m):
        m["taxonomy"]["themes"][0]["cues"]["新词"] = 9.0
    _edit(bundle, change, seal=False)
    _refused(bundle, r"manifest.json: does not match its sha256")


def test_a_taxonomy_that_disagrees_with_the_classifier_is_refused(bundle):
    def rename(m):
        m["taxonomy"]["themes"][0]["id"] = "renamed"
    _edit(bundle, rename)  # even with the manifest's sha256 recomputed
    _refused(bundle, r"classifier's classes \['political'\] are not themes of the manifest's")


def test_a_taxonomy_with_a_theme_less_is_refused(bundle):
    _edit(bundle, lambda m: m["taxonomy"]["themes"].pop(1))
    _refused(bundle, r"classifier's classes \['talent'\] are not themes")


@pytest.mark.parametrize(("change", "message"), [
    (lambda m: m.update(format_version="4"), r"format_version must be an integer"),
    (lambda m: m.update(versions=["numpy"]), r"field versions must be object"),
    (lambda m: m.update(taxonomy="political"), r"field taxonomy must be object"),
    (lambda m: m["taxonomy"].update(themes={}), r"field taxonomy.themes must be array"),
    (lambda m: m["taxonomy"]["themes"][0].update(cues=[]), r"themes\[0\].cues must be object"),
    (lambda m: m["taxonomy"].update(fallback="nope"), r"taxonomy is broken: .*fallback"),
    (lambda m: m.update(artifacts=[]), r"field artifacts must be object"),
    (lambda m: m.update(seed="0"), r"field seed must be integer"),
    (lambda m: m.pop("segmenter"), r"'segmenter' is missing"),
    (lambda m: m["segmenter"].update(fingerprint=None), r"segmenter.fingerprint must be string"),
    (lambda m: m["artifacts"].update({"../x.json": "0" * 64}), r"outside the model folder"),
    (lambda m: m["artifacts"].pop(next(iter(m["artifacts"]))), r"missing or unknown"),
])
def test_manifest_fields_of_the_wrong_type_are_refused(bundle, change, message):
    _edit(bundle, change)
    _refused(bundle, message)


@pytest.mark.parametrize(("text", "message"), [
    ("[1, 2]", "manifest is not a JSON object"),
    ("null", "manifest is not a JSON object"),
    ("[" * 100_000, "unreadable manifest"),
    ("\xff", "unreadable manifest"),
])
def test_a_manifest_that_is_not_an_object_is_refused(bundle, text, message):
    (bundle / MANIFEST).write_bytes(text.encode("latin-1"))
    _refused(bundle, message)


# -- the JSON artifacts (forged: honest checksums) ---------------------------------------------


@pytest.mark.parametrize(("name", "change", "message"), [
    ("classifier.json", lambda d: d.update(classes="culture"), r"classes must be array"),
    ("classifier.json", lambda d: d["params"].update(word_ngrams="12"), r"word_ngrams must be"),
    ("classifier.json", lambda d: d["params"].pop("threshold"), r"'threshold' is missing"),
    ("classifier.json", lambda d: d["word_vocabulary"].append(d["word_vocabulary"][0]),
     r"word_vocabulary holds duplicates"),
    ("classifier.json", lambda d: d["char_vocabulary"].pop(), r"char_idf.npy has shape"),
    ("topics.json", lambda d: d["params"].update(iterations="many"), r"iterations must be int"),
    ("topics.json", lambda d: d["dictionary"].update(tokens=None), r"tokens must be array"),
    ("topics.json", lambda d: d["topic_themes"].append(None), r"topics.alpha.npy has shape"),
    ("topics.json", lambda d: d["topic_themes"].__setitem__(0, "x"), r"ties topics to \['x'\]"),
    ("topics.json", lambda d: d.update(stopwords="的"), r"stopwords must be array"),
    ("topics.json", lambda d: d.update(phrases=[["检察", "文化", "品牌"]]), r"phrases"),
    ("topics.json", lambda d: d.update(phrases=[["检察", 1]]), r"phrases"),
    ("context.json", lambda d: d.update(threshold=2), r"threshold must be at most 1"),
    ("context.json", lambda d: d["classes"].reverse(), r"second stage's classes differ"),
    ("segmenter.json", lambda d: d.update(entries={}), r"entries must be array"),
    ("segmenter.json", lambda d: d["entries"].append(" "), r"dictionary line that is not"),
    ("segmenter.json", lambda d: d["entries"].append("词 ²"), r"dictionary line that is not"),
    ("segmenter.json", lambda d: d["entries"].append("词 99999999999999999999"),
     r"dictionary line that is not"),
    ("classifier.json", lambda d: d["params"].update(char_ngrams=[3, 1]), r"is not a range"),
    ("classifier.json", lambda d: d["params"].update(char_ngrams=[1, 10**6]),
     r"char_ngrams\[1\] must be at most 10"),
    ("segmenter.json", lambda d: d["stopwords"].append("新"), r"segmenter dictionaries differ"),
])
def test_json_artifacts_of_the_wrong_type_or_size_are_refused(bundle, name, change, message):
    _edit_json(bundle, name, change)
    _refused(bundle, message)


def test_a_model_made_before_the_topic_vocabulary_loads_and_labels_as_trained(bundle):
    """topics.json without ``stopwords`` and ``phrases`` (older models): nothing is dropped or
    joined before the dictionary lookup, as when the model was trained."""
    model = load_model(bundle)
    vocabulary = model.topic_model.vocabulary_
    assert vocabulary.stopwords  # this model has its own list
    tokens = [[next(iter(vocabulary.stopwords)), *model.topic_model.tokens_[:3]]]
    _edit_json(bundle, "topics.json", lambda d: (d.pop("stopwords"), d.pop("phrases")))
    old = load_model(bundle).topic_model
    assert not old.vocabulary_.stopwords and not old.vocabulary_.phrases
    assert old.vocabulary_.prepare(tokens[0]) == tokens[0]
    assert np.allclose(old.transform(tokens).sum(axis=1), 1)


def test_nan_in_a_json_artifact_is_refused(bundle):
    forge(bundle, {"context.json": b'{"classes": [], "threshold": NaN}'})
    _refused(bundle, r"context.json: not valid JSON: NaN")


# -- the arrays (forged) -----------------------------------------------------------------------


def _coef(bundle):
    return np.load(_artifact(bundle, "classifier.coef.npy"))


def _huge_header(bundle) -> bytes:
    """A coef file whose header declares 10^12 x 10^6 numbers (8 EB) over a few bytes."""
    data = _artifact(bundle, "classifier.coef.npy").read_bytes()
    shape = str(_coef(bundle).shape).encode()
    return data.replace(shape, b"(1000000000000, 1000000)".ljust(len(shape)), 1)


@pytest.mark.parametrize(("make", "message"), [
    (lambda b: _npy(np.array([{"a": 1}], dtype=object), allow_pickle=True),
     r"coef.npy: arrays must hold float64 numbers, not object"),
    (lambda b: _npy(_coef(b).astype(np.int64)), r"float64 numbers, not int64"),
    (lambda b: _npy(_coef(b).astype(np.float32)), r"float64 numbers, not float32"),
    (lambda b: _npy(np.zeros(3, dtype=[("a", "<f8")])), r"float64 numbers"),
    (lambda b: _npy(_coef(b)[:, :10]), r"coef.npy has shape \(8, 10\), expected \(8, \d+\)"),
    (lambda b: _npy(_coef(b)[None]), r"unexpected array shape"),
    (lambda b: _npy(np.where(np.arange(_coef(b).size).reshape(_coef(b).shape) == 5, np.nan,
                             _coef(b))), r"holds NaN or infinite values"),
    (lambda b: _npy(_coef(b) * np.inf), r"holds NaN or infinite values"),
    (lambda b: _npy(_coef(b))[:-8], r"declares shape .* but [\d,]+ bytes follow"),
    (lambda b: _npy(_coef(b)) + b"\0" * 8, r"declares shape .* but [\d,]+ bytes follow"),
    (_huge_header, r"declares shape \(1000000000000, 1000000\)"),
    (lambda b: b"\x93NUMPY\x01\x00" + b"\xff" * 20, r"not a readable .npy array"),
    (lambda b: b"", r"not a readable .npy array"),
])
def test_hostile_arrays_are_refused(bundle, make, message):
    forge(bundle, {"classifier.coef.npy": make(bundle)})
    _refused(bundle, message)


def test_a_big_endian_or_fortran_array_is_read_as_the_same_numbers(bundle):
    coef = _coef(bundle)
    model = load_model(bundle)
    forge(bundle, {"classifier.coef.npy": _npy(np.asfortranarray(coef).astype(">f8"))})
    loaded = load_model(bundle)
    assert np.array_equal(loaded.classifier.coef_, coef)
    assert loaded.classifier.predict(["严格执行三个规定。"]) == model.classifier.predict(
        ["严格执行三个规定。"])


@pytest.mark.parametrize(("name", "change", "message"), [
    ("topics.eta.npy", lambda a: -a, r"topic arrays must be positive"),
    ("topics.sstats.npy", lambda a: a[:, :-1], r"topics.sstats.npy has shape"),
    ("topics.alpha.npy", lambda a: a[:-1], r"topics.alpha.npy has shape"),
    ("context.bias.npy", lambda a: a[:-1], r"context.bias.npy has shape"),
    ("context.weights.npy", lambda a: a[:2], r"context.weights.npy has shape"),
    ("classifier.intercept.npy", lambda a: np.r_[a, 0.0], r"intercept.npy has shape"),
    ("classifier.word_idf.npy", lambda a: a[:3], r"word_idf.npy has shape"),
    ("classifier.word_documents.npy", lambda a: a[:-1], r"word_documents.npy has shape"),
    ("classifier.word_documents.npy", lambda a: a - 0.5, r"whole document counts"),
])
def test_arrays_that_do_not_fit_each_other_are_refused(bundle, name, change, message):
    array = np.load(_artifact(bundle, name))
    forge(bundle, {name: _npy(change(array))})
    _refused(bundle, message)


# -- the folder --------------------------------------------------------------------------------


def test_a_symlinked_data_folder_is_refused(bundle, tmp_path):
    data = _artifact(bundle, MANIFEST).parent
    moved = tmp_path / "moved"
    data.rename(moved)
    data.symlink_to(moved)
    _refused(bundle, r"data-[0-9a-f]{16} is a symlink")


def test_a_symlinked_manifest_is_refused(bundle, tmp_path):
    real = tmp_path / "real.json"
    (bundle / MANIFEST).rename(real)
    (bundle / MANIFEST).symlink_to(real)
    _refused(bundle, r"manifest.json is a symlink")


def test_a_missing_artifact_or_data_folder_is_refused(bundle):
    _artifact(bundle, "topics.eta.npy").unlink()
    _refused(bundle, r"artifact data-[0-9a-f]{16}/topics.eta.npy is missing")
    shutil.rmtree(_artifact(bundle, MANIFEST).parent)
    _refused(bundle, r"data-[0-9a-f]{16} is missing")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_in_place_of_an_artifact_is_refused_without_blocking(bundle):
    artifact = _artifact(bundle, "segmenter.json")
    artifact.unlink()
    os.mkfifo(artifact)
    _refused(bundle, r"segmenter.json is not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_manifest_that_is_a_folder_or_fifo_is_refused_without_blocking(bundle, kind):
    (bundle / MANIFEST).unlink()
    os.mkdir(bundle / MANIFEST) if kind == "folder" else os.mkfifo(bundle / MANIFEST)
    _refused(bundle, r"manifest.json is not a regular file")


def test_a_data_folder_that_is_a_file_is_refused(bundle):
    data = _artifact(bundle, MANIFEST).parent
    shutil.rmtree(data)
    data.write_bytes(b"")
    _refused(bundle, r"cannot open data-[0-9a-f]{16}: Not a directory")


def test_a_model_of_an_older_format_is_refused_with_the_way_out(bundle):
    _edit(bundle, lambda m: m.update(format_version=3))
    _refused(bundle, rf"format version 3 is older than this topics reads "
                     rf"\({OLDEST_FORMAT_VERSION}-{FORMAT_VERSION}\); "
                     r"retrain it with "
                     r"`topics train --out")


def test_a_manifest_holding_a_lone_surrogate_is_refused(bundle):
    manifest = json.loads((bundle / MANIFEST).read_text(encoding="utf-8"))
    manifest["taxonomy"]["themes"][0]["cues"]["\ud800"] = 1  # JSON writes it as an escape
    (bundle / MANIFEST).write_text(json.dumps(manifest), encoding="ascii")
    _refused(bundle, r"holds text that is not valid Unicode")


def test_an_artifact_over_the_size_limit_is_refused(bundle, monkeypatch):
    monkeypatch.setattr("topics.bundle.MAX_ARTIFACT_BYTES", 1000)
    size = _artifact(bundle, "classifier.json").stat().st_size  # the classifier's parameters
    _refused(bundle, rf"artifact data-\w+/classifier.json is {size:,} bytes, over the limit of "
                     r"1,000 ")


def test_extra_files_are_never_read(bundle):
    (bundle / "classifier.joblib").write_bytes(b"\x80\x04junk")
    (_artifact(bundle, MANIFEST).parent / "classifier.extra.npy").write_bytes(b"junk")
    assert load_model(bundle).classifier.predict(["严格执行三个规定。"])


def test_a_hostile_model_is_one_line_through_the_cli(bundle):
    _edit(bundle, lambda m: m.update(versions="new"))
    result = CliRunner().invoke(main, ["info", "--model", str(bundle)])
    assert result.exit_code == 1
    assert result.output == f"Error: {bundle / MANIFEST}: field versions must be object\n"


# -- saving: never into someone's folder, never deleting what is not ours ----------------------


def _users_folder(tmp_path):
    folder = tmp_path / "mine"
    (folder / "data-2024").mkdir(parents=True)
    (folder / "data-2024" / "survey.csv").write_text("a,b\n", encoding="utf-8")
    (folder / ".tmp-notes").mkdir()
    (folder / "notes.txt").write_text("keep", encoding="utf-8")
    return folder


def _tree(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_saving_into_a_folder_that_is_not_a_model_is_refused(tiny_model, tmp_path):
    folder = _users_folder(tmp_path)
    before = _tree(folder)
    with pytest.raises(ModelError, match="folder is not empty and holds no model"):
        save_model(tiny_model, folder)
    assert _tree(folder) == before


def test_a_folder_with_someone_elses_manifest_json_is_refused(tiny_model, tmp_path):
    folder = tmp_path / "webapp"
    folder.mkdir()
    (folder / MANIFEST).write_text('{"name": "app", "format_version": 2}', encoding="utf-8")
    with pytest.raises(ModelError, match="folder is not empty and holds no model"):
        save_model(tiny_model, folder)
    assert (folder / MANIFEST).read_text(encoding="utf-8") == '{"name": "app", "format_version": 2}'


def test_a_model_whose_manifest_is_damaged_is_replaced(tiny_model, bundle):
    (bundle / MANIFEST).write_bytes(b"\0garbage")
    save_model(tiny_model, bundle)
    assert load_model(bundle)


def test_saving_onto_a_file_is_refused(tiny_model, tmp_path):
    target = tmp_path / "model"
    target.write_text("mine", encoding="utf-8")
    with pytest.raises(ModelError, match="is a file, not a model folder"):
        save_model(tiny_model, target)
    assert target.read_text(encoding="utf-8") == "mine"


def test_saving_over_a_model_keeps_what_is_not_ours(tiny_model, bundle):
    (bundle / "data-2024").mkdir()
    (bundle / "data-2024" / "survey.csv").write_text("a,b\n", encoding="utf-8")
    (bundle / ".tmp-notes").mkdir()
    old = json.loads((bundle / MANIFEST).read_bytes())["data_dir"]
    (bundle / old / "classifier.json").write_bytes(b"{}")  # the live copy is damaged
    save_model(tiny_model, bundle)
    manifest = json.loads((bundle / MANIFEST).read_bytes())
    assert sorted(p.name for p in bundle.iterdir()) == sorted(
        [MANIFEST, manifest["data_dir"], "data-2024", ".tmp-notes"])
    assert (bundle / "data-2024" / "survey.csv").read_text(encoding="utf-8") == "a,b\n"
    assert load_model(bundle)


def test_what_a_killed_writer_listed_is_removed_by_the_next(tiny_model, bundle):
    leftovers = [".tmp-" + "a" * 32, "data-" + "b" * 16]
    for name in leftovers:
        (bundle / name).mkdir()
    (bundle / f".{MANIFEST}.x1y2.tmp").write_bytes(b"half")
    (bundle / JOURNAL).write_text("".join(n + "\n" for n in leftovers) + "../outside\n",
                                  encoding="utf-8")
    (bundle.parent / "outside").mkdir()
    save_model(tiny_model, bundle)
    manifest = json.loads((bundle / MANIFEST).read_bytes())
    assert sorted(p.name for p in bundle.iterdir()) == sorted([MANIFEST, manifest["data_dir"]])
    assert (bundle.parent / "outside").is_dir()


def test_the_data_of_a_model_replaced_by_a_writer_killed_before_cleaning_up_is_removed(
        tiny_model, bundle, monkeypatch):
    coef = np.load(_artifact(bundle, "classifier.coef.npy"))
    replaced = forge(bundle, {"classifier.coef.npy": _npy(coef + 1.0)}).name

    def killed(_path):
        raise KeyboardInterrupt
    monkeypatch.setattr("topics.bundle._remove", killed)  # killed as it starts to clean up
    with pytest.raises(KeyboardInterrupt):
        save_model(tiny_model, bundle)
    monkeypatch.undo()
    assert (bundle / replaced).is_dir() and load_model(bundle)
    save_model(tiny_model, bundle)
    manifest = json.loads((bundle / MANIFEST).read_bytes())
    assert sorted(p.name for p in bundle.iterdir()) == sorted([MANIFEST, manifest["data_dir"]])


def test_a_folder_a_killed_first_writer_left_is_ours(tiny_model, tmp_path):
    target = tmp_path / "m"
    target.mkdir()
    (target / (".tmp-" + "c" * 32)).mkdir()
    (target / JOURNAL).write_text(".tmp-" + "c" * 32 + "\n", encoding="utf-8")
    save_model(tiny_model, target)
    assert load_model(target)
    assert not (target / (".tmp-" + "c" * 32)).exists()


def test_a_failed_write_keeps_the_old_model_and_leaves_no_temporary_folder(
        tiny_model, bundle, monkeypatch):
    before = (bundle / MANIFEST).read_bytes()

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr("topics.bundle.os.fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_model(tiny_model, bundle, lock_timeout=1)
    assert (bundle / MANIFEST).read_bytes() == before
    assert not [p for p in bundle.iterdir() if p.name.startswith(".tmp-")]
    monkeypatch.undo()
    assert load_model(bundle)


def test_a_symlinked_lock_file_is_refused(tiny_model, tmp_path):
    from topics.bundle import lock_path

    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    lock_path(tmp_path / "m").symlink_to(victim)
    with pytest.raises(ModelError, match=r"lock file .*\.m\.lock is a symlink"):
        save_model(tiny_model, tmp_path / "m")
    assert victim.read_text(encoding="utf-8") == "precious"


def test_train_refuses_a_folder_that_is_not_a_model_before_training(tmp_path):
    folder = _users_folder(tmp_path)
    before = _tree(folder)
    result = CliRunner().invoke(main, ["train", "--labels", "nonexistent.jsonl", "--out",
                                       str(folder)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {folder}: folder is not empty and holds no model; topics "
                             f"writes a model only into a new or empty folder or over a model "
                             f"(choose another --out)\n")
    assert _tree(folder) == before


def test_train_out_naming_a_file_is_one_line(tmp_path):
    target = tmp_path / "model.txt"
    target.write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(main, ["train", "--out", str(target)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {target}: is a file, not a model folder; give --out a new "
                             f"folder or a model's\n")
    assert target.read_text(encoding="utf-8") == "mine"
