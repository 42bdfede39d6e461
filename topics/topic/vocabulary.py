"""The topic model's vocabulary: its own stop words and collocations joined into one token.

Learning the collocations needs gensim (:func:`learn_phrases`); applying them does not
(:class:`TopicVocabulary`), so labelling with a saved model imports no gensim.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The shipped topic-model stop list (apart from the classifier's ``stopwords.txt``).
TOPIC_STOPWORDS = "topic_stopwords.txt"


def load_topic_stopwords() -> frozenset[str]:
    """The shipped topic-model stop words: genre-wide words, officialese, scaffolding."""
    from ..text.segment import shipped_words

    return shipped_words(TOPIC_STOPWORDS)


def learn_phrases(documents: Iterable[list[str]], min_count: int, threshold: float
                  ) -> list[tuple[str, str]]:
    """Pairs of adjacent tokens that are collocations (gensim ``Phrases``, npmi scoring)."""
    from gensim.models.phrases import Phrases

    phrases = Phrases(documents, min_count=min_count, threshold=threshold, scoring="npmi",
                      delimiter=" ")
    return sorted(tuple(pair.split(" ")) for pair in phrases.freeze().phrasegrams)


class TopicVocabulary:
    """Drops the topic stop words, then joins collocated pairs, left to right.

    ``prepare`` must equal gensim's ``FrozenPhrases`` (without connector words) applied
    after the stop words are removed; see test_prepare_equals_gensims_phrases.
    """

    def __init__(self, stopwords: Iterable[str] = (), phrases: Iterable[Iterable[str]] = ()):
        self.stopwords = frozenset(stopwords)
        self.phrases = frozenset(tuple(pair) for pair in phrases)
        #: The first tokens of the collocations: a document with none of them joins none.
        self.firsts = frozenset(pair[0] for pair in self.phrases if len(pair) == 2)

    def prepare(self, tokens: list[str]) -> list[str]:
        """One document's content tokens as the topic model reads them."""
        kept = [t for t in tokens if t not in self.stopwords]
        if not self.phrases:
            return kept
        out: list[str] = []
        pending = None
        for token in kept:
            if pending is None:
                pending = token
            elif (pending, token) in self.phrases:
                out.append(pending + token)
                pending = None
            else:
                out.append(pending)
                pending = token
        if pending is not None:
            out.append(pending)
        return out

    def prepare_many(self, documents: Iterable[list[str]]) -> list[list[str]]:
        """:meth:`prepare` of every document."""
        return [self.prepare(d) for d in documents]
