import json
import time
from pathlib import Path

import pytest

from tests.conftest import TINY
from topics.bundle import load_model
from topics.classify.context import heading_positions
from topics.errors import TopicsError
from topics.labels import LabelledSentence, load_labels
from topics.review.app import create_app
from topics.review.retrain import (
    Retrainer,
    ReviewBase,
    review_training,
    reviewed_documents,
    with_corrections,
)
from topics.review.session import open_review
from topics.train import TrainingData, train_model

HOST = "127.0.0.1:8765"


@pytest.fixture
def session(tiny_model_dir, reports):
    session = open_review(load_model(tiny_model_dir), [str(reports)])
    yield session
    session.close()


def tiny_trainer(tiny_data, taxonomy, calls):
    def train(labels, progress):
        progress("training the tiny model")
        calls.append(labels)
        data = with_corrections(tiny_data, load_labels(labels, taxonomy))
        return train_model(taxonomy, data, seed=0, n_free_topics=1, evaluate=False)
    return train


def client_of(app):
    client = app.test_client()

    def post(path, body=None):
        return client.post(path, data=json.dumps(body or {}), content_type="application/json",
                           headers={"Host": HOST, "X-CSRF-Token": "t"})

    def get(path):
        return client.get(path, headers={"Host": HOST})
    return get, post


def wait_done(get):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = get("/api/retrain").get_json()
        if state["state"] != "running":
            return state
        assert isinstance(state["steps"], list) and state["elapsed"] >= 0
        time.sleep(0.1)
    raise AssertionError("retraining did not end")


def test_retrain_then_switch(session, tiny_data, taxonomy):
    calls = []
    app = create_app(session, "127.0.0.1", 8765, token="t",
                     retrainer=Retrainer(session, tiny_trainer(tiny_data, taxonomy, calls)))
    get, post = client_of(app)
    answer = post("/api/retrain")
    assert answer.status_code == 409 and "nothing reviewed" in answer.get_json()["error"]
    old = session.model
    # the analyst says the first six units of b.txt (political and talent) are about reform
    units = session.reports[1].results[:6]
    for position in range(len(units)):
        assert post("/api/label", {"r": 1, "u": position, "label": "reform"}).status_code == 200
    right_before = sum(r.theme == "reform" for r in units)
    assert post("/api/retrain").get_json()["state"] == "running"
    state = wait_done(get)
    assert state["state"] == "done", state
    assert calls == [session.store.path]
    assert state["reviewed"] == len(units) and state["right_before"] == right_before
    assert state["right_after"] > right_before  # it learnt what it was taught
    assert state["model"].startswith(str(session.store.path.parent / "models" / "review-"))
    assert load_model(state["model"]).taxonomy.ids == taxonomy.ids  # saved whole
    assert session.model is old  # kept until the analyst switches
    assert post("/api/retrain").status_code == 409  # decide first
    switched = post("/api/retrain/switch").get_json()
    assert session.model is not old and switched["model"].startswith("review-")
    assert switched["progress"]["reviewed"] == len(units)
    assert switched["progress"]["changed"] == len(units) - state["right_after"]
    shown = get("/api/report/1").get_json()["units"]
    assert [u["theme"] for u in shown] == [r.theme for r in session.reports[1].results]
    assert sum(u["theme"] == "reform" for u in shown[:6]) == state["right_after"]
    assert get("/api/state").get_json()["model"] == switched["model"]
    assert post("/api/retrain/switch").status_code == 409  # nothing left to switch to


def test_keep_the_old_model(session, tiny_data, taxonomy):
    app = create_app(session, "127.0.0.1", 8765, token="t",
                     retrainer=Retrainer(session, tiny_trainer(tiny_data, taxonomy, [])))
    get, post = client_of(app)
    post("/api/label", {"r": 0, "u": 0, "label": "reform"})
    old = session.model
    post("/api/retrain")
    assert wait_done(get)["state"] == "done"
    assert post("/api/retrain/keep").get_json()["retrain"]["state"] == "idle"
    assert session.model is old
    assert post("/api/retrain/switch").status_code == 409


def test_a_failed_retraining_says_why(session):
    def broken(labels, progress):
        raise MemoryError("out of memory")
    app = create_app(session, "127.0.0.1", 8765, token="t",
                     retrainer=Retrainer(session, broken))
    get, post = client_of(app)
    post("/api/label", {"r": 0, "u": 0, "label": "reform"})
    post("/api/retrain")
    state = wait_done(get)
    assert state == {"state": "failed", "error": "MemoryError: out of memory"}


def test_retraining_needs_the_page_token(session):
    app = create_app(session, "127.0.0.1", 8765, token="t")
    answer = app.test_client().post("/api/retrain", headers={"Host": HOST,
                                                             "X-CSRF-Token": "other"})
    assert answer.status_code == 403


def test_the_analysts_label_replaces_a_shipped_one_of_the_same_text():
    data = TrainingData([LabelledSentence("甲", "talent"), LabelledSentence("乙", "other")], {})
    mine = [LabelledSentence("甲", "reform", "a.txt", 0)]
    out = with_corrections(data, mine)
    assert [(s.text, s.label) for s in out.sentences] == [("乙", "other"), ("甲", "reform")]
    assert [s.label for s in data.sentences] == ["talent", "other"]  # not changed in place


def reviewed_file(session, labels):
    """Review units 0, 2 and 3 of a.txt (0 is its title) in ``session`` as ``labels``."""
    report = session.reports[0]
    assert report.name == "a.txt"
    for position, label in zip((0, 2, 3), labels, strict=True):
        session.label(0, position, label)
    return report


def test_the_default_trainer_is_given_the_reviewed_reports(session, monkeypatch):
    """Retrain hands the trainer the reports (name, path), not the labels file alone."""
    from topics.review import retrain

    calls = []

    def train(labels, progress, reports, encoding, max_bytes, cache):
        calls.append((labels, reports, cache))
        raise TopicsError("stop here")

    monkeypatch.setattr(retrain, "train_with_corrections", train)
    reviewed_file(session, ["political", "political", "talent"])
    retrainer = Retrainer(session)
    retrainer.start()
    retrainer._thread.join(30)
    assert retrainer.status() == {"state": "failed", "error": "stop here"}
    [(labels, reports, cache)] = calls
    assert labels == session.store.path
    assert reports == [(r.name, r.path) for r in session.reports]
    assert all(Path(path).is_file() for _, path in reports)
    assert cache is retrainer._cache  # kept for the next retraining


def test_reviewed_reports_become_labelled_documents_with_their_headings(session, taxonomy):
    report = reviewed_file(session, ["political", "political", "talent"])
    corrections = load_labels(session.store.path, taxonomy)
    corrections.append(LabelledSentence("changed since", "other", "a.txt",
                                        report.results[4].index))
    docs = reviewed_documents([(r.name, r.path) for r in session.reports], corrections)
    [doc] = docs  # b.txt has no reviewed unit
    assert doc.name == "reviewed/a.txt" and doc.corpus == "reviewed"
    assert [u.index for u in doc.units] == [r.index for r in report.results]  # every unit
    labelled = {u.index: g for u, g in zip(doc.units, doc.gold, strict=True) if g}
    assert labelled == {report.results[0].index: "political",
                        report.results[2].index: "political",
                        report.results[3].index: "talent"}  # not the changed text
    headings = heading_positions(doc.units)
    assert headings[0] is None and any(h is not None for h in headings)  # the context


def docs_data(taxonomy):
    """Six small labelled documents of the tiny corpus (enough rows for a second stage)."""
    from topics.labelled_docs import LabelledDocument
    from topics.text.sentences import split_units

    sentences, documents = [], []
    for number in range(6):
        pairs = TINY[number % 3:] + TINY[:number % 3]
        name = f"set/d{number}"
        units = split_units("\n".join(text for text, _ in pairs), name)
        assert [u.shown for u in units] == [text for text, _ in pairs]
        gold = [label for _, label in pairs]
        documents.append(LabelledDocument(name, units, gold))
        sentences += [LabelledSentence(u.text, g, name, u.index, name)
                      for u, g in zip(units, gold, strict=True)]
    return TrainingData(sentences, {}, documents=documents)


def test_the_second_stage_learns_from_the_reviewed_units_in_their_reports(session, taxonomy):
    base = ReviewBase.fit(taxonomy, docs_data(taxonomy))
    reviewed_file(session, ["political", "political", "talent"])
    corrections = load_labels(session.store.path, taxonomy)
    docs = reviewed_documents([(r.name, r.path) for r in session.reports], corrections)
    without_data, without = review_training(base, corrections, [])
    data, record = review_training(base, corrections, docs)
    assert without_data.sentences == data.sentences  # the first stage: the same data
    assert corrections[0] in data.sentences
    shipped = without["second_stage"]["meta"]["units"]
    assert shipped == 6 * len(TINY)
    assert record["second_stage"]["meta"]["units"] == shipped + 3  # the reviewed units
    assert record["second_stage"]["arrays"] != without["second_stage"]["arrays"]
    assert record["metrics"]["context_cv"]["reviewed_documents"] == 1
    model = train_model(taxonomy, data, recorded=record, n_free_topics=1, evaluate=False)
    assert model.context.meta["units"] == shipped + 3


def test_units_of_no_one_report_bring_no_context(tmp_path):
    """A .jsonl of units read alone, or of two reports, is no reviewed document."""
    alone = tmp_path / "alone.jsonl"
    alone.write_text('{"text": "甲。"}\n{"text": "乙。"}\n', encoding="utf-8")
    two = tmp_path / "two.jsonl"
    two.write_text('{"text": "甲。", "report": "x"}\n{"text": "乙。", "report": "y"}\n',
                   encoding="utf-8")
    one = tmp_path / "one.jsonl"
    one.write_text('{"text": "甲。", "report": "x"}\n{"text": "乙。", "report": "x"}\n',
                   encoding="utf-8")
    corrections = [LabelledSentence("甲。", "other", name, 0)
                   for name in ("alone.jsonl", "two.jsonl", "one.jsonl")]
    docs = reviewed_documents([(p.name, str(p)) for p in (alone, two, one)], corrections)
    assert [(d.name, d.gold) for d in docs] == [("reviewed/one.jsonl", ["other", None])]
