"""Which model is used, the recorded cross-validation of the default, and first-use checks."""

import json
import shutil
import time

import numpy as np
from click.testing import CliRunner

from topics import config
from topics.cli import main
from topics.resolve import check_writable, recorded_fit
from topics.train import (
    collect_training_data,
    cross_validated_record,
    shipped_labels_of,
    train_model,
)


def test_the_shipped_record_of_the_default_models_cross_validation_is_up_to_date():
    """Fails when the shipped data or the training code changed since the record was made."""
    record = recorded_fit()
    assert record is not None, (
        f"{config.recorded_fit_path()} is missing or stale (made from other data or training "
        f"code): run `python scripts/record_default_model.py` and commit the file")
    assert record["data_fingerprint"] == config.data_fingerprint()
    stage = record["second_stage"]
    assert stage["meta"]["fitted"] is True
    assert len(stage["arrays"]["weights"]) == 6
    assert len(stage["arrays"]["bias"]) == len(stage["meta"]["classes"])
    assert 0.5 < record["metrics"]["context_cv"]["in_context"]["macro_f1"] <= 1


def test_a_record_that_names_other_data_is_not_used(tmp_path):
    record = {"data_fingerprint": "0" * 64,
              "code_fingerprint": config.training_code_fingerprint()}
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    assert recorded_fit(path) is None
    record["data_fingerprint"] = config.data_fingerprint()
    path.write_text(json.dumps(record), encoding="utf-8")
    assert recorded_fit(path) == record
    record["code_fingerprint"] = "0" * 64
    path.write_text(json.dumps(record), encoding="utf-8")
    assert recorded_fit(path) is None
    path.write_text("{not json", encoding="utf-8")
    assert recorded_fit(path) is None


def test_training_from_a_record_gives_the_model_cross_validation_gives(taxonomy):
    """A record (through JSON) stands for the cross-validation: the same second stage, scores
    and labels. Two labelled documents of the shipped set make a fitted second stage."""
    folder, labels = config.document_sets()[0]
    data = collect_training_data(taxonomy, [], [], document_sets=[(folder, labels)])
    docs = {d.name for d in data.documents[:12]}
    data.sentences = [s for s in data.sentences if s.group in docs]
    data.documents = [d for d in data.documents if d.name in docs]
    full = train_model(taxonomy, data, n_free_topics=1)
    record = json.loads(json.dumps(cross_validated_record(full.context, full.manifest["metrics"])))
    again = train_model(taxonomy, data, n_free_topics=1, recorded=record)
    for name, array in full.context.to_state()[1].items():
        assert np.array_equal(array, again.context.to_state()[1][name]), name
    assert full.context.meta == again.context.meta
    for key in ("classifier_cv", "context_cv"):
        assert again.manifest["metrics"].get(key) == full.manifest["metrics"].get(key)
    assert again.manifest["metrics"]["recorded"]
    units = [u for d in data.documents for u in d.units][:80]
    first = [(r.theme, r.confidence) for r in full.classify_units(units, explain=False)]
    second = [(r.theme, r.confidence) for r in again.classify_units(units, explain=False)]
    assert first == second


def test_reports_given_to_train_find_their_shipped_hand_labels_by_content(taxonomy, tmp_path):
    seed = config.seed_paths()[0]
    renamed = tmp_path / "my_report.txt"
    shutil.copyfile(seed, renamed)
    folder, labels = config.document_sets()[0]
    doc = sorted(folder.glob("*.txt"))[0]
    copied = tmp_path / "news.txt"
    shutil.copyfile(doc, copied)
    other = tmp_path / "other.txt"
    other.write_text("一、加强政治建设\n组织干警学习党章。\n", encoding="utf-8")
    sentences, documents, whole = shipped_labels_of([str(renamed), str(copied), str(other)],
                                                    taxonomy)
    shipped = [json.loads(line) for path in config.label_paths()
               for line in path.read_text(encoding="utf-8").splitlines()]
    of_seed = [r for r in shipped if r.get("report") == seed.name]
    assert of_seed
    mine = [s for s in sentences if s.report == "my_report.txt"]
    assert [(s.text, s.label) for s in mine] == [(r["text"], r["label"]) for r in of_seed]
    assert {s.group for s in mine} == {"my_report.txt"}
    assert [d.name.rpartition("/")[2] for d in documents] == [doc.name]
    assert whole == {str(copied)}
    # through collect_training_data: the seed is hand-labelled, the other weak-labelled
    data = collect_training_data(taxonomy, [], [renamed, copied, other],
                                 shipped_by_content=True)
    assert data.unlabelled_reports == [str(other)]
    assert {d.name for d in data.documents} >= {"my_report.txt", documents[0].name}
    hand = [s for s in data.sentences if s.source == "hand"]
    assert len(hand) == len(of_seed) + sum(1 for g in documents[0].gold if g)


def test_an_unwritable_model_cache_is_said_before_any_work(tmp_path, monkeypatch):
    blocker = tmp_path / "a_file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("TOPICS_HOME", str(blocker / "home"))
    monkeypatch.delenv("TOPICS_MODEL", raising=False)
    monkeypatch.chdir(tmp_path)
    report = tmp_path / "r.txt"
    report.write_text("加强队伍建设。", encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(report)])
    assert result.exit_code == 1
    folder = blocker / "home" / "models" / "default"
    assert result.stderr.splitlines()[-1] == (
        f"Error: {folder}: cannot write the default model there (Not a directory): set "
        f"TOPICS_HOME to a writable folder, or give --model")
    assert "bug" not in result.stderr and "Traceback" not in result.stderr
    assert "building" not in result.stderr  # refused before the build
    fine = tmp_path / "fine" / "models" / "default"
    check_writable(fine)  # a missing folder is made
    assert fine.parent.is_dir()


def test_progress_of_a_build_goes_on_every_few_seconds_off_a_terminal(capsys):
    from topics.cli import Context, _Heartbeat

    heartbeat = _Heartbeat(Context(0, False), every=0.05)
    heartbeat("training the topic model")
    time.sleep(0.3)
    heartbeat.stop()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("] training the topic model")
    assert len(lines) >= 3 and lines[-1].endswith("training the topic model (still working)")
    time.sleep(0.15)
    assert capsys.readouterr().err == ""  # stopped
    quiet = _Heartbeat(Context(0, True), every=0.05)
    quiet("x")
    time.sleep(0.15)
    quiet.stop()
    assert capsys.readouterr().err == ""


def test_the_readme_example_is_in_no_training_set():
    from pathlib import Path

    from topics.text.sentences import split_units

    example = Path(__file__).resolve().parents[1] / "examples" / "team_building_report.txt"
    assert f"topics classify examples/{example.name}" in (example.parents[1] / "README.md"
                                                          ).read_text(encoding="utf-8")
    units = [u.text for u in split_units(example.read_text(encoding="utf-8"), example.name)]
    assert len(units) >= 20
    labelled = set()
    for path in config.label_paths():
        labelled |= {json.loads(line)["text"] for line in
                     path.read_text(encoding="utf-8").splitlines() if line.strip()}
    texts = [p.read_text(encoding="utf-8") for p in config.seed_paths()]
    for docs, labels in config.document_sets():
        labelled |= {json.loads(line)["text"] for line in
                     labels.read_text(encoding="utf-8").splitlines() if line.strip()}
        texts.extend(p.read_text(encoding="utf-8") for p in docs.glob("*.txt"))
    corpus = "\n".join(texts)
    long_units = [u for u in units if len(u) >= 12]
    assert len(long_units) >= 15
    for unit in long_units:
        assert unit not in labelled and unit not in corpus, unit
