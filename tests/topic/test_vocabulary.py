import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topics.text.segment import load_stopwords
from topics.topic.corpus import windows
from topics.topic.vocabulary import TopicVocabulary, learn_phrases, load_topic_stopwords

WORDS = st.sampled_from(["检察", "文化", "品牌", "队伍", "建设", "廉洁", "从检", "院里"])


@settings(deadline=None, max_examples=60)
@given(st.lists(st.lists(WORDS, max_size=12), min_size=1, max_size=8),
       st.sets(st.tuples(WORDS, WORDS), max_size=6))
def test_prepare_equals_gensims_phrases(documents, pairs):
    """Stop words out, then pairs joined left to right, as gensim's FrozenPhrases joins them."""
    from gensim.models.phrases import FrozenPhrases, Phrases

    frozen = FrozenPhrases(Phrases(delimiter=" "))
    frozen.phrasegrams = {f"{a} {b}": frozen.threshold + 1 for a, b in pairs}
    vocabulary = TopicVocabulary({"院里"}, pairs)
    for document in documents:
        kept = [t for t in document if t != "院里"]
        expected = [t.replace(" ", "") for t in frozen[kept]]
        assert vocabulary.prepare(document) == expected


def test_learned_phrases_join_collocations_only():
    documents = [["检察", "文化", "品牌", "建设"], ["检察", "文化", "队伍"],
                 ["队伍", "建设", "廉洁"], ["廉洁", "从检", "检察", "文化"]] * 5
    pairs = learn_phrases(documents, min_count=5, threshold=0.5)
    assert ("检察", "文化") in pairs
    assert all(a != b for a, b in pairs)
    joined = TopicVocabulary((), pairs).prepare(["检察", "文化", "品牌"])
    assert joined[0] == "检察文化"


def test_windows_join_neighbouring_units_within_a_document():
    units = [["a"], [], ["b", "c"], ["d"], ["e"], []]
    assert list(windows(units, 2)) == [["a"], ["b", "c", "d"], ["e"]]
    assert list(windows(units, 10)) == [["a", "b", "c", "d", "e"]]
    assert list(windows([[], []], 1)) == []


def test_topic_stop_list_holds_genre_words_and_is_apart_from_the_classifiers():
    topic = load_topic_stopwords()
    assert {"检察官", "检察院", "工作人员", "某某"} <= topic
    assert "检察官" not in load_stopwords()  # the classifier still sees it


def test_paragraphs_join_the_units_of_one_paragraph_and_fall_back_to_windows():
    from topics.topic.corpus import paragraphs

    units = [["a"], ["b"], [], ["c", "d"], ["e"], ["f"]]
    assert list(paragraphs(units, [0, 0, 1, 2, 2, 3])) == [["a", "b"], ["c", "d", "e"], ["f"]]
    # the same number again later is another paragraph (never joined across others)
    assert list(paragraphs(units[:3] + [["x"]], [0, 1, 1, 0])) == [["a"], ["b"], ["x"]]
    # no paragraph numbers at all: windows of units
    assert list(paragraphs(units, [None] * 6, 2)) == list(windows(units, 2))
    with pytest.raises(ValueError):
        list(paragraphs(units, [0]))
