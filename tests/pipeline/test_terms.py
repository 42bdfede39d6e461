"""A theme's terms: found in several documents, no officialese, no term inside another."""

import pytest

from tests.conftest import TINY
from topics.classify.estimator import ThemeClassifier
from topics.pipeline.terms import MIN_DOCUMENTS, load_officialese, theme_terms

#: A sentence of one document only: its words must never be listed.
ONCE = ("周末组建昆山四十余年引领注入加班。", "culture")


@pytest.fixture(scope="module")
def classifier(taxonomy):
    texts, labels, documents = [], [], []
    for copy in range(4):  # every TINY sentence in four documents
        for text, label in TINY:
            texts.append(text)
            labels.append(label)
            documents.append(f"d{copy}")
    for _ in range(3):  # three times, in one document
        texts.append(ONCE[0])
        labels.append(ONCE[1])
        documents.append("d0")
    return ThemeClassifier(taxonomy=taxonomy).fit(texts, labels, documents=documents).predictor_


def test_terms_occur_in_enough_documents(classifier, taxonomy):
    terms = theme_terms(classifier, 30)
    assert set(terms) == set(taxonomy.ids)
    listed = [t for theme in terms.values() for t in theme]
    assert listed
    index = {t.replace(" ", ""): i for i, t in enumerate(classifier.word_vocabulary)}
    for term, _, documents in listed:
        assert documents >= MIN_DOCUMENTS
        assert classifier.word_documents[index[term]] == documents
    for word in ("周末", "昆山", "组建", "加班"):
        assert word in index  # a feature, seen in one document only
        assert word not in {t for t, *_ in listed}


def test_strongest_first_and_none_inside_another(classifier):
    for listed in theme_terms(classifier, 30).values():
        scores = [s for _, s, _ in listed]
        assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
        names = [t for t, *_ in listed]
        for i, a in enumerate(names):
            assert not any(a in b or b in a for b in names[i + 1:]), names


def test_officialese_is_never_listed(classifier):
    listed = theme_terms(classifier, 30)
    word = listed["discipline"][0][0]
    again = theme_terms(classifier, 30, officialese=frozenset({word}))
    assert word not in {t for terms in again.values() for t, *_ in terms}
    assert all(t not in load_officialese() for terms in listed.values() for t, *_ in terms)


def test_fewer_documents_needed_lists_more(classifier):
    few = sum(map(len, theme_terms(classifier, 50).values()))
    more = sum(map(len, theme_terms(classifier, 50, min_documents=1).values()))
    assert more > few
