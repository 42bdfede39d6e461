"""In how many training documents each word feature occurs as written.

``topics words`` lists as a theme's terms only words and word pairs found in several
training documents: a pair of words that only a dropped stop word put side by side
(集体 和 个人 -> ``集体 个人``), or a fragment of one sentence, is no term a reader knows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np


def document_counts(vocabulary: Sequence[str], token_lists: Sequence[list[str]],
                    documents: Sequence[object], is_content: Callable[[str], bool]
                    ) -> np.ndarray:
    """The number of distinct ``documents`` each vocabulary term occurs in, as written.

    ``vocabulary`` holds the word features (a word, or two words joined by a space);
    ``token_lists`` are the sentences' tokens with the stop words still in them (a
    segmenter's ``tokens_many``), ``documents`` names each sentence's document. A word
    counts where it is a content token (``is_content``); a pair where its two words are
    content tokens next to each other in the sentence, with nothing dropped between them.
    """
    index = {term: i for i, term in enumerate(vocabulary)}
    content = {t for t in set(chain.from_iterable(token_lists)) if is_content(t)}
    column_of = {t: index.get(t, -1) for t in content}
    pairs = {tuple(term.split(" ")): i for term, i in index.items() if " " in term}
    found: set[tuple[int, int]] = set()  # (column, document number)
    numbers: dict[object, int] = {}
    for document, tokens in zip(documents, token_lists, strict=True):
        number = numbers.setdefault(document, len(numbers))
        previous = None
        for token in tokens:
            column = column_of.get(token)
            if column is None:  # not content: no pair across it
                previous = None
                continue
            if column >= 0:
                found.add((column, number))
            if previous is not None:
                column = pairs.get((previous, token), -1)
                if column >= 0:
                    found.add((column, number))
            previous = token
    columns = np.fromiter((column for column, _ in found), dtype=np.int64, count=len(found))
    return np.bincount(columns, minlength=len(vocabulary)).astype(np.float64)
