import json
import time

import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import TINY
from topics.bundle import load_model
from topics.classify.context import heading_positions
from topics.cli import main
from topics.labels import LabelledSentence, load_labels
from topics.review.app import create_app
from topics.review.retrain import (
    Retrainer,
    adapted_model,
    held_out_scores,
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


# -- the app's Retrain: the model the review opened with, adapted to the reviewed units ------

#: A unit of b.txt the analyst relabels, and a near-duplicate in no report under review.
TAUGHT = TINY[3][0]  # 举办业务培训班，提升干警履职素能。 (talent)
NEAR = "举办业务培训班，提升干警综合素能。"


def teach(session, label="reform"):
    """The analyst labels b.txt's talent units (TINY[3:6]) ``label``; returns their count."""
    report = session.reports[1]
    positions = [p for p, r in enumerate(report.results) if r.text in {t for t, _ in TINY[3:6]}]
    assert [report.results[p].text for p in positions][:1] == [TAUGHT]
    for position in positions:
        session.label(1, position, label)
    return len(positions)


def test_an_adaptation_moves_a_held_out_near_duplicate_towards_the_correction(session, taxonomy):
    base = session.model
    before = base.label([NEAR], None, False)[0][0]
    assert before.theme == "talent"
    teach(session)
    corrections = load_labels(session.store.path, taxonomy)
    model = adapted_model(base, corrections)  # the app's hold (ADAPT_L2)
    after = model.label([NEAR], None, False)[0][0]
    assert after.scores["reform"] > 10 * before.scores["reform"]
    assert after.scores["talent"] < before.scores["talent"]
    # the tiny model is far surer of itself (talent 0.9997) than the default model: held
    # less, the correction turns the near-duplicate's label
    weaker = adapted_model(base, corrections, 0.1)
    assert weaker.label([NEAR], None, False)[0][0].theme == "reform"
    assert weaker.predict([TAUGHT]) == ["reform"]
    # the same labels give the same model, and the model it adapts is left as it was
    again = adapted_model(base, corrections)
    assert np.array_equal(again.classifier.coef_, model.classifier.coef_)
    assert base.label([NEAR], None, False)[0][0].scores == before.scores
    # only the features of the reviewed units change; the intercepts and the second stage stay
    changed = np.flatnonzero(np.any(model.classifier.coef_ != base.classifier.coef_, axis=0))
    taught = base.classifier.features([s.text for s in corrections]).tocsc()
    assert set(changed) <= set(np.flatnonzero(np.diff(taught.indptr)))
    assert np.array_equal(model.classifier.intercept_, base.classifier.intercept_)
    assert model.context is base.context
    assert model.manifest["adapted"]["reviewed_units"] == len(corrections)


def test_a_weaker_hold_lets_the_corrections_count_more(session, taxonomy):
    teach(session)
    corrections = load_labels(session.store.path, taxonomy)
    reform = [adapted_model(session.model, corrections, l2).label([NEAR], None, False)[0][0]
              .scores["reform"] for l2 in (100.0, 1.0, 0.01)]
    assert reform[0] < reform[1] < reform[2]


#: A hold weak enough for one reviewed unit to turn the tiny model's near-duplicate: the tiny
#: model is far surer of these two units (talent 0.9996-0.9999) than the default model.
HOLD = 0.03


def reviewed_pair(tmp_path, tiny_model_dir):
    """A review of two reports holding near-duplicates of each other's units."""
    folder = tmp_path / "pair"
    folder.mkdir()
    (folder / "one.txt").write_text(f"# 一\n\n{TAUGHT}\n{TINY[0][0]}\n", encoding="utf-8")
    (folder / "two.txt").write_text(f"# 二\n\n{NEAR}\n{TINY[1][0]}\n", encoding="utf-8")
    return open_review(load_model(tiny_model_dir), [str(folder)])


def test_held_out_scores_hold_each_report_out(tmp_path, tiny_model_dir, taxonomy):
    session = reviewed_pair(tmp_path, tiny_model_dir)
    try:
        for number, report in enumerate(session.reports):
            for position, result in enumerate(report.results):
                if result.text in (TAUGHT, NEAR):
                    session.label(number, position, "reform")
        corrections = load_labels(session.store.path, taxonomy)
        docs = reviewed_documents([(r.name, r.path) for r in session.reports], corrections)
        assert len(docs) == 2 and len(corrections) == 2
        scores = held_out_scores(session.model, corrections, docs, HOLD)
        # the model the review opened with says talent for both; each report's unit, held
        # out, is labelled by the model adapted to the other report's near-duplicate
        assert scores["before"]["n"] == scores["after"]["n"] == 2
        assert scores["before"]["accuracy"] == 0.0 < scores["after"]["accuracy"]
        held_out = [adapted_model(session.model, [s for s in corrections if s.text != text],
                                  HOLD).predict([text])[0] for text in (TAUGHT, NEAR)]
        assert scores["after"]["accuracy"] == sum(t == "reform" for t in held_out) / 2
        # learnt from (not held out), both would be right: the scores do not say that
        assert adapted_model(session.model, corrections, HOLD).predict([TAUGHT, NEAR]) == [
            "reform", "reform"]
        assert "each report held out (2 reports" in scores["after"]["how"]
        # with one report's corrections alone nothing can be held out
        one = [s for s in corrections if s.report == docs[0].name.removeprefix("reviewed/")]
        assert held_out_scores(session.model, one, docs[:1], HOLD) is None
    finally:
        session.close()


def test_retrain_from_the_page_adapts_the_first_model(tmp_path, tiny_model_dir, taxonomy):
    session = reviewed_pair(tmp_path, tiny_model_dir)
    try:
        retrainer = Retrainer(session, l2=HOLD)  # the app's own Retrain (no trainer given)
        app = create_app(session, "127.0.0.1", 8765, token="t", retrainer=retrainer)
        get, post = client_of(app)
        first = session.model
        for number, report in enumerate(session.reports):
            for position, result in enumerate(report.results):
                if result.text in (TAUGHT, NEAR):
                    assert post("/api/label", {"r": number, "u": position,
                                               "label": "reform"}).status_code == 200
        post("/api/retrain")
        state = wait_done(get)
        assert state["state"] == "done", state
        assert state["before"]["accuracy"] == 0.0 < state["after"]["accuracy"]
        assert "held out" in state["before"]["how"]
        assert state["right_before"] == 0 and state["right_after"] == 2
        saved = load_model(state["model"])
        assert saved.manifest["metrics"]["review_cv"]["after"]["n"] == 2
        assert saved.predict([NEAR, TAUGHT]) == ["reform", "reform"]
        info = CliRunner().invoke(main, ["info", "--model", state["model"]])
        assert info.exit_code == 0, info.output
        assert "Adapted by topics review" in info.output and "2 reviewed units" in info.output
        assert "each report held out" in info.output and "accuracy 0.000 ->" in info.output
        post("/api/retrain/switch")
        assert session.model is not first
        # a second retraining adapts the model the review opened with, not the switched one:
        # the same labels give the same model again
        post("/api/retrain")
        again = wait_done(get)
        assert again["state"] == "done" and again["model"] != state["model"]
        assert np.array_equal(load_model(again["model"]).classifier.coef_,
                              saved.classifier.coef_)
    finally:
        session.close()
