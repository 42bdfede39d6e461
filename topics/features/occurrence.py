"""In how many training documents each word feature occurs as written.

``topics words`` lists as a theme's terms only words and word pairs found in several
training documents: a pair of words that only a dropped stop word put side by side
(集体 和 个人 -> ``集体 个人``), or a fragment of one sentence, is no term a reader knows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
    seen: dict[int, set] = {}
    for document, tokens in zip(documents, token_lists, strict=True):
        previous = None
        for token in tokens:
            if not is_content(token):
                previous = None
                continue
            for term in (token, None if previous is None else f"{previous} {token}"):
                column = index.get(term)
                if column is not None:
                    seen.setdefault(column, set()).add(document)
            previous = token
    counts = np.zeros(len(vocabulary), dtype=np.float64)
    for column, found in seen.items():
        counts[column] = len(found)
    return counts
