"""scikit-learn's TF-IDF vectorizers of the classifier: fitted in training, rebuilt from a state.

Labelling uses the numpy indexes of :mod:`.vectorize`; it imports this module only for a
vocabulary those cannot reproduce (see ``ThemePredictor._transforms``).
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from .vectorize import CharNgramVectorizer

#: Character n-grams seen in fewer sentences than this are dropped.
CHAR_MIN_DF = 2


def ordered_vocabulary(vectorizer: TfidfVectorizer) -> list[str]:
    """The vocabulary as a list, position = feature column."""
    vocabulary = [""] * len(vectorizer.vocabulary_)
    for term, column in vectorizer.vocabulary_.items():
        vocabulary[column] = term
    return vocabulary


def _identity(tokens):
    return tokens


def word_vectorizer(ngrams) -> TfidfVectorizer:
    """TF-IDF of token lists as given (``token_pattern=None``: one-character words kept)."""
    return TfidfVectorizer(tokenizer=_identity, preprocessor=_identity, lowercase=False,
                           token_pattern=None, ngram_range=tuple(ngrams), sublinear_tf=True)


def char_vectorizer(ngrams) -> TfidfVectorizer:
    """TF-IDF of character n-grams of normalised text; n-grams seen in one sentence dropped."""
    return TfidfVectorizer(analyzer="char", ngram_range=tuple(ngrams), sublinear_tf=True,
                           min_df=CHAR_MIN_DF)


def char_fitter(ngrams) -> TfidfVectorizer | CharNgramVectorizer:
    """What training fits the character TF-IDF with.

    :func:`char_vectorizer`'s equal in numpy (:class:`~.vectorize.CharNgramVectorizer`) where
    it serves the n-grams (at most 3 characters), else that one.
    """
    if max(ngrams) <= 3:
        return CharNgramVectorizer(ngrams, min_df=CHAR_MIN_DF)
    return char_vectorizer(ngrams)


def fitted_vectorizers(meta: dict, word_idf: np.ndarray, char_idf: np.ndarray
                       ) -> tuple[TfidfVectorizer, TfidfVectorizer]:
    """The word and character vectorizers of a classifier's state, ready to transform."""
    params = meta["params"]
    words, chars = word_vectorizer(params["word_ngrams"]), char_vectorizer(params["char_ngrams"])
    for vectorizer, vocabulary, idf in ((words, meta["word_vocabulary"], word_idf),
                                        (chars, meta["char_vocabulary"], char_idf)):
        vectorizer.vocabulary_ = {term: i for i, term in enumerate(vocabulary)}
        vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
    return words, chars
