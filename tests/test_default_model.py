"""The built-in default model: built on first use, evaluated, tied topics, reproducible."""

import json

import pytest
from click.testing import CliRunner

from topics import config
from topics.bundle import load_model
from topics.cli import main
from topics.resolve import build_default_model
from topics.text.segment import is_noise, load_stopwords


@pytest.fixture(scope="module")
def model(default_home):
    return load_model(default_home / "models" / "default")


def test_classify_a_seed_report_with_the_default_model(default_home, monkeypatch, tmp_path):
    monkeypatch.setenv("TOPICS_HOME", str(default_home))
    monkeypatch.delenv("TOPICS_MODEL", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./models/default here: the built-in model is used
    seed = config.seed_paths()[0]
    result = CliRunner().invoke(main, ["classify", str(seed)])
    assert result.exit_code == 0, result.output
    assert f"Theme profile of {seed.name}:" in result.stdout
    assert "building" not in result.stderr  # built once, then reused
    folder = (default_home / "models" / "default").resolve()
    assert f"model built-in default ({folder}), made 20" in result.stderr
    assert "from the shipped data (" in result.stderr


def test_first_use_builds_with_the_recorded_cross_validation(model):
    """The model built on first use has the second stage and scores cross-validation gave."""
    from topics.resolve import recorded_fit

    record = recorded_fit()
    assert record is not None  # see test_resolve: the record is up to date
    assert model.manifest["metrics"]["recorded"]
    meta, arrays = model.context.to_state()
    assert meta == record["second_stage"]["meta"]
    for name, values in record["second_stage"]["arrays"].items():
        assert arrays[name].tolist() == values, name
    for key in ("classifier_cv", "context_cv"):
        assert model.manifest["metrics"][key] == record["metrics"][key]


def test_manifest_stores_report_split_scores(model):
    cv = model.manifest["metrics"]["classifier_cv"]
    assert cv["split"] == "document-grouped" and cv["folds"] == 5
    assert cv["documents"] > 100  # the seeds and the shipped labelled documents
    assert cv["n"] > 2000
    assert 0.5 < cv["macro_f1"] <= 1
    assert set(cv["per_theme"]) == set(model.taxonomy.ids)
    context = model.manifest["metrics"]["context_cv"]
    for key in ("alone", "in_context"):
        assert 0.5 < context[key]["macro_f1"] <= 1
        assert 0 <= context[key]["calibration_error"] < 0.1
        assert context[key]["by_genre"]
    assert context["in_context"]["n"] == context["alone"]["n"]
    weak = model.manifest["metrics"]["weak_labels"]
    assert 0 < weak["coverage"] <= 1 and 0 < weak["accuracy"] <= 1


def test_topic_words_are_clean_and_tied_to_themes(model, taxonomy):
    """No stop word, officialese (both lists) or placeholder in any top ten; >= 7 themes own
    a topic (their cue words are over-represented in it, see topics.topic.select)."""
    from topics.topic.select import theme_owners
    from topics.topic.vocabulary import load_topic_stopwords

    stop = load_stopwords() | load_topic_stopwords()
    for topic in range(model.topic_model.n_topics):
        for word, _ in model.topic_model.top_words(topic, 10):
            assert word not in stop and not is_noise(word), (topic, word)
    tied = {t for t in model.topic_model.topic_themes_ if t}
    assert len(tied) >= 7
    owners = {o for o in theme_owners(model.topic_model, taxonomy) if o}
    assert len(owners) >= 7, owners


#: Fragments of prose and words of a single training document: never a theme's term.
FRAGMENTS = ("组建", "引领注入", "周末", "昆山", "四十余年", "主要矛盾", "基层院主要矛盾", "紧紧抓住",
             "民事检察党支部", "福建省民事检察")


def test_theme_terms_recur_across_documents_and_are_no_officialese(model):
    """`topics words`' terms: each in >= 3 training documents as written, none filler."""
    from topics.pipeline.terms import MIN_DOCUMENTS, load_officialese, theme_terms
    from topics.taxonomy import load_taxonomy
    from topics.train import collect_training_data

    data = collect_training_data(load_taxonomy(config.taxonomy_path()), config.label_paths(),
                                 config.seed_paths(), document_sets=config.document_sets())
    documents: dict[str, list[str]] = {}
    for s in data.sentences:
        documents.setdefault(s.group or s.report, []).append(s.text)
    texts = ["\n".join(sentences) for sentences in documents.values()]
    stop, officialese = load_stopwords(), load_officialese()
    terms = theme_terms(model.classifier, 15)
    assert set(terms) == set(model.taxonomy.ids)
    for theme, listed in terms.items():
        assert len(listed) == 15, theme
        for term, score, n_documents in listed:
            found = sum(term in text for text in texts)  # counted here from the raw text
            assert found >= n_documents >= MIN_DOCUMENTS, (theme, term, found, n_documents)
            assert score > 0 and not is_noise(term), (theme, term)
            assert term not in stop and term not in officialese, (theme, term)
            assert term not in FRAGMENTS, (theme, term)


def test_default_model_labels_typical_sentences(model):
    sentences = {
        "严格落实防止干预司法“三个规定”，开展警示教育。": "discipline",
        "组织干警参加全省检察业务竞赛，3人获评业务标兵。": "talent",
        "依法办理公益诉讼案件，督促整治生态环境问题。": "performance",
        "深化检察官员额制改革，推进数字检察建设。": "reform",
        "主任、各位副主任、各位委员：": "other",
    }
    predictions, _ = model.label(list(sentences))
    assert [p.theme for p in predictions] == list(sentences.values())


def test_same_seed_same_predictions_and_topic_words(model):
    again = build_default_model(evaluate=False)
    texts = [u.text for u in model.classify(config.seed_paths()[1].read_text(encoding="utf-8"))]
    first, first_topics = model.label(texts)
    second, second_topics = again.label(texts)
    assert [(p.theme, p.scores) for p in first] == [(p.theme, p.scores) for p in second]
    assert first_topics == second_topics
    summary = json.dumps(model.topic_model.summary(10), sort_keys=True)
    assert summary == json.dumps(again.topic_model.summary(10), sort_keys=True)


def test_default_model_on_synthetic_documents_of_other_styles(model):
    """340 units of 8 documents (work reports, news, WeChat posts) written and labelled by a
    helper that never saw the training labels: a check on styles the seeds lack."""
    from pathlib import Path

    from topics.evaluate import score_predictions
    from topics.labels import load_labels

    gold = load_labels(Path(__file__).parent / "data" / "dev_synthetic.jsonl", model.taxonomy)
    predicted = model.predict([s.text for s in gold])
    scores = score_predictions([s.label for s in gold], predicted, model.taxonomy.ids)
    assert scores["macro_f1"] >= 0.8, scores["per_theme"]


def test_a_cached_default_made_by_other_code_is_rebuilt(default_home, monkeypatch):
    """The cache is keyed by the package's code too: a new classifier is not hidden by it."""
    from topics import resolve

    class RebuildError(Exception):
        pass

    def build(_progress):
        raise RebuildError

    monkeypatch.setenv("TOPICS_HOME", str(default_home))
    monkeypatch.setattr(resolve, "build_default_model", build)
    notices = []
    assert resolve.default_model(notice=notices.append).manifest["code_fingerprint"] == \
        config.package_code_fingerprint()  # the same code: loaded, not rebuilt
    monkeypatch.setattr(config, "package_code_fingerprint", lambda: "0" * 64)
    with pytest.raises(RebuildError):
        resolve.default_model(notice=notices.append)
    assert notices == ["the shipped training code changed: rebuilding the default model"]
