"""Training at scale: weak labels capped by a seeded sample, the topic corpus streamed."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

import pytest

from tests.conftest import REPORT
from topics.errors import InputError
from topics.text.segment import Segmenter
from topics.topic.corpus import TokenLines, write_corpus
from topics.train import _topic_documents, collect_training_data, map_here


@pytest.fixture
def reports(tmp_path):
    paths = []
    for number in range(4):
        path = tmp_path / f"r{number}.txt"
        path.write_text(REPORT, encoding="utf-8")
        paths.append(str(path))
    return paths


def test_weak_labels_are_capped_by_a_seeded_sample(taxonomy, reports):
    full = collect_training_data(taxonomy, [], reports)
    assert full.weak_found == len(full.sentences) > 8
    capped = collect_training_data(taxonomy, [], reports, max_weak=5, seed=1)
    again = collect_training_data(taxonomy, [], reports, max_weak=5, seed=1)
    assert capped.weak_found == full.weak_found
    assert len(capped.sentences) == 5
    assert [(s.report, s.index) for s in capped.sentences] == \
        [(s.report, s.index) for s in again.sentences]  # same seed, same sample
    positions = [(s.report, s.index) for s in capped.sentences]
    assert positions == sorted(positions)  # kept in reading order
    assert capped.unlabelled_reports == reports


def test_topic_documents_are_the_paragraphs_of_every_unit_of_unlabelled_reports(taxonomy,
                                                                                reports):
    data = collect_training_data(taxonomy, [], reports, max_weak=3)
    calls = []

    def mapper(function, paths, args):
        calls.append(list(paths))
        return map_here(function, paths, args)

    segmenter = Segmenter()
    documents = [d for d, _, _ in _topic_documents(data, segmenter, mapper)]
    from topics.topic.corpus import paragraphs

    units = [(u.paragraph, segmenter.content_tokens(u.text)) for u in _units(reports[0])]
    per_report = list(paragraphs([t for _, t in units], [n for n, _ in units]))
    numbers = {n for n, tokens in units if tokens}
    assert None not in numbers and len(per_report) == len(numbers) > 1
    assert len(per_report) < len([t for _, t in units if t])  # some paragraphs join units
    # the three sampled weak sentences are not repeated: every report's units come once, in
    # paragraphs that never join two reports
    assert documents == per_report * len(reports)
    assert calls == [reports]


def test_topic_documents_window_labelled_documents_and_keep_lone_sentences(taxonomy):
    from topics.labelled_docs import LabelledDocument
    from topics.labels import LabelledSentence
    from topics.text.sentences import split_units
    from topics.train import TrainingData

    units = split_units(REPORT, "doc")
    doc = LabelledDocument("set/doc", units, [None] * len(units))
    lone = LabelledSentence("举办业务培训班，提升干警履职素能。", "talent", "", None, "authored-1",
                            "authored")
    inside = LabelledSentence(units[1].text, "other", "set/doc", 1, "set/doc")
    data = TrainingData([lone, inside, lone], {}, documents=[doc])
    segmenter = Segmenter()
    tagged = list(_topic_documents(data, segmenter))
    documents = [d for d, _, _ in tagged]
    first = [u for u in units if u.paragraph == units[0].paragraph]
    expected_doc = [t for u in first for t in segmenter.content_tokens(u.text)]
    assert documents[0] == segmenter.content_tokens(lone.text)  # once, alone
    assert documents[1] == expected_doc
    assert sum(len(d) for d in documents[1:]) == sum(
        len(segmenter.content_tokens(u.text)) for u in units)
    # each with the labelled document's genre and year, None for a lone sentence
    doc.genre, doc.year = "news", 2021
    tagged = list(_topic_documents(data, segmenter))
    assert [d for d, _, _ in tagged] == documents
    assert [(g, y) for _, g, y in tagged] == [(None, None)] + [("news", 2021)] * (
        len(documents) - 1)


def _units(path):
    from topics.text.sentences import split_units

    return split_units(Path(path).read_text(encoding="utf-8"), "r")


def test_a_bad_report_stops_training_with_its_name(taxonomy, reports, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    with pytest.raises(InputError, match="bad.txt"):
        collect_training_data(taxonomy, [], [*reports, str(bad)])


def test_streamed_corpus_keeps_a_bounded_seeded_sample(tmp_path):
    documents = ([f"w{i}", f"w{i % 7}", "共同"] for i in range(500))
    corpus = write_corpus(documents, tmp_path, seed=3, sample_size=50)
    assert corpus.n_documents == 500 and len(corpus.sample) == 50
    assert corpus.dictionary.num_docs == 500
    assert next(iter(TokenLines(tmp_path / "tokens.txt"))) == ["w0", "w0", "共同"]
    again = write_corpus(([f"w{i}", f"w{i % 7}", "共同"] for i in range(500)), tmp_path / ".",
                         seed=3, sample_size=50)
    assert again.sample == corpus.sample


def test_the_topic_model_fitted_beside_the_classifier_is_the_one_fitted_here(taxonomy, tiny_data):
    import numpy as np

    from topics.train import _fit_topic_model, _TopicJob

    args = (taxonomy, 1, 3, tiny_data, Segmenter())
    job = _TopicJob(*args)
    if (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods():
        assert job.apart  # else this compares the in-process fit with itself
    apart, here = job.result(), _fit_topic_model(*args)
    assert np.array_equal(apart.inference_.exp_elog_beta_, here.inference_.exp_elog_beta_)
    assert apart.topic_themes_ == here.topic_themes_ and apart.n_documents_ == here.n_documents_
