"""Training inputs that cannot make a model, and signals while a model is written.

Each ends in one line naming the file (or option) and the problem, a non-zero exit and no
traceback; a model being replaced is kept whole.
"""

import json
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from tests.conftest import TINY
from topics.bundle import MANIFEST, load_model, save_model
from topics.cli import main
from topics.errors import LabelError
from topics.labels import load_labels
from topics.text.segment import Segmenter


@pytest.mark.parametrize("seed", ["-1", "4294967296"])
def test_a_seed_out_of_range_is_refused_by_the_parser(seed, tmp_path):
    result = CliRunner().invoke(main, ["train", "--seed", seed, "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert f"Invalid value for '--seed': {seed} is not in the range 0<=x<=4294967295" in \
        result.output
    assert not (tmp_path / "m").exists()


_NOT_POSITIVE = "'weight' must be a positive number, not"


@pytest.mark.parametrize("weight,problem", [
    ("NaN", "NaN is not a number JSON allows"), ("Infinity", "Infinity is not a number JSON allows"),
    ("-Infinity", "-Infinity is not a number JSON allows"), ("1e999", "the number 1e999 is out of range"),
    ("-1", _NOT_POSITIVE), ("0", _NOT_POSITIVE), ("true", _NOT_POSITIVE), ('"2"', _NOT_POSITIVE)])
def test_a_weight_that_is_not_a_positive_number_names_the_line(taxonomy, tmp_path, weight, problem):
    path = tmp_path / "labels.jsonl"
    path.write_text('{"text": "开展警示教育。", "label": "discipline"}\n'
                    f'{{"text": "举办培训班。", "label": "talent", "weight": {weight}}}\n',
                    encoding="utf-8")
    with pytest.raises(LabelError, match=f"labels.jsonl, line 2: {problem}"):
        load_labels(path, taxonomy)


def test_a_label_file_with_one_theme_is_one_line(write_jsonl, tmp_path):
    labels = write_jsonl("one.jsonl", [{"text": t, "label": "discipline"} for t, _ in TINY])
    result = CliRunner().invoke(main, ["train", "--labels", str(labels), "--no-eval", "--out",
                                       str(tmp_path / "m")])
    assert result.exit_code == 1
    # progress lines (off a terminal too) may come first; the error is one last line
    assert result.output.endswith(f"\nError: {labels}: every labelled sentence has the theme "
                                  f"'discipline'; training needs sentences of at least two "
                                  f"themes\n")
    assert "Traceback" not in result.output
    assert not (tmp_path / "m").exists()


def test_two_themes_make_a_model_that_loads_and_tells_them_apart(write_jsonl, tmp_path):
    pairs = [(t, label) for t, label in TINY if label in ("discipline", "talent")]
    labels = write_jsonl("two.jsonl", [{"text": t, "label": label} for t, label in pairs])
    result = CliRunner().invoke(main, ["-q", "train", "--labels", str(labels), "--no-eval",
                                       "--out", str(tmp_path / "m")])
    assert result.exit_code == 0, result.output
    model = load_model(tmp_path / "m")
    assert sorted(model.classifier.classes_) == ["discipline", "talent"]
    proba = model.classifier.predict_proba([t for t, _ in pairs])
    predicted = [model.classifier.classes_[i] for i in proba.argmax(axis=1)]
    assert predicted == [label for _, label in pairs]  # its own training sentences


def test_train_to_is_the_one_library_call_of_train(write_jsonl, tmp_path):
    from topics.errors import InputError, ModelError
    from topics.train import train_to

    pairs = [(t, label) for t, label in TINY if label in ("discipline", "talent")]
    labels = write_jsonl("two.jsonl", [{"text": t, "label": label} for t, label in pairs])
    heard = []
    trained = train_to(tmp_path / "m", label_files=[labels], evaluate=False,
                       on_data=lambda data, n: heard.append((len(data.sentences), n)))
    assert heard == [(len(pairs), 0)]
    assert trained.n_reports == 0 and len(trained.data.sentences) == len(pairs)
    assert load_model(tmp_path / "m").manifest["training"] == trained.model.manifest["training"]
    with pytest.raises(InputError, match=r"^-: train reads report files, not stdin$"):
        train_to(tmp_path / "other", ["-"], [labels])
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ModelError):  # the target is checked before any work
        train_to(tmp_path / "file", ["-"], [labels])
    assert not (tmp_path / "other").exists()


#: Runs `topics train` with every fsync of the bundle slowed, so that a signal can be sent
#: while the temporary data folder is being written.
SLOW_WRITER = """
import sys, time
import topics.bundle
real = topics.bundle.os.fsync
def slow(fd):
    time.sleep(0.3)
    real(fd)
topics.bundle.os.fsync = slow
from topics.__main__ import run
sys.argv = ["topics"] + sys.argv[1:]
run()
"""


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="needs SIGTERM")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_writing_keeps_the_old_model_and_removes_the_temporary_folder(
        tiny_model, write_jsonl, tmp_path, signum):
    target = tmp_path / "m"
    save_model(tiny_model, target)
    before = (target / MANIFEST).read_bytes()
    labels = write_jsonl("labels.jsonl", [{"text": t, "label": label} for t, label in TINY])
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, "-q", "train", "--labels", str(labels), "--no-eval",
         "--topics", "9", "--seed", "5", "--out", str(target)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and not any(
            p.name.startswith(".tmp-") for p in target.iterdir()):
        time.sleep(0.01)
    assert process.poll() is None, process.stderr.read()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    terminated = signum == signal.SIGTERM  # SIGTERM says so; both clean up alike
    assert process.returncode == (143 if terminated else 130)
    assert stderr == f"Error: {'terminated' if terminated else 'interrupted'}\n"
    assert not [p.name for p in target.iterdir() if p.name.startswith(".tmp-")]
    assert (target / MANIFEST).read_bytes() == before
    assert json.loads(before)["seed"] == load_model(target).manifest["seed"] == 0


def test_a_reviewed_labels_file_with_its_report_gives_the_second_stage_the_report(
        write_jsonl, taxonomy, tmp_path):
    """`topics train --labels reviewed.jsonl REPORT`: the reviewed units in their report.

    The review writes report (the file's name) and index: with the report given, its units
    (headings too) become a labelled document, the reviewed ones labelled, held out together.
    """
    from tests.conftest import REPORT
    from topics.classify.context import heading_positions
    from topics.text.sentences import split_units
    from topics.train import collect_training_data, cross_predict

    report = tmp_path / "a.txt"
    report.write_text(REPORT, encoding="utf-8")
    units = split_units(REPORT, "a.txt")
    chosen = {units[1].index: "political", units[2].index: "political",
              units[4].index: "talent"}
    labels = write_jsonl("reviewed.jsonl", [
        {"report": "a.txt", "index": u.index, "text": u.shown, "label": chosen[u.index],
         "model_label": "other", "confidence": 0.5, "time": "2026-12-01T17:00:00Z"}
        for u in units if u.index in chosen] + [{"text": t, "label": label} for t, label in TINY])
    data = collect_training_data(taxonomy, [labels], [report])
    [doc] = data.documents
    assert doc.name == "a.txt" and [u.index for u in doc.units] == [u.index for u in units]
    assert {u.index: g for u, g in zip(doc.units, doc.gold, strict=True) if g} == chosen
    assert heading_positions(doc.units) == heading_positions(units)
    cv = cross_predict(data, taxonomy, {"random_state": 0}, Segmenter())
    assert "a.txt" in cv.documents and cv.documents["a.txt"].shape[0] == len(units)
