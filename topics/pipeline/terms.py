"""Each theme's terms that explain it: what ``topics words`` lists per theme.

A term is a word feature of the classifier (a word, or two words side by side) that a
reader recognises: it occurs, as written, in several training documents, and it is no
stop word, officialese or placeholder. Each is scored as the classifier scores it as a
text alone, so its words, its characters and the cue words it holds all count.
"""

from __future__ import annotations

import numpy as np

from ..classify.predictor import ThemePredictor
from ..features.definition import display_name
from ..text.segment import is_noise, shipped_words

#: A term is listed only when it occurs in at least this many training documents.
MIN_DOCUMENTS = 3
#: Words of official prose that explain no theme (shipped beside the stop words).
OFFICIALESE = "officialese.txt"


def load_officialese() -> frozenset[str]:
    """The shipped officialese: set phrases of report prose that no theme owns."""
    return shipped_words(OFFICIALESE)


def _readable(feature: str, predictor: ThemePredictor, officialese: frozenset[str]) -> bool:
    """Whether each word of ``feature`` is content, no placeholder and no officialese."""
    words = feature.split(" ")
    return (display_name(feature) not in officialese
            and all(predictor.segmenter.is_content(w) and not is_noise(w)
                    and w not in officialese for w in words))


def _overlaps(term: str, listed: list[str]) -> bool:
    return any(term in other or other in term for other in listed)


def theme_terms(predictor: ThemePredictor, n: int = 15, min_documents: int = MIN_DOCUMENTS,
                officialese: frozenset[str] | None = None
                ) -> dict[str, list[tuple[str, float, int]]]:
    """Each theme's ``n`` terms that explain it best: ``(term, score, documents)`` each.

    Candidates are the word features found in at least ``min_documents`` training
    documents as written, none of whose words is a stop word, a placeholder or
    ``officialese`` (default: :func:`load_officialese`). The classifier scores each as a
    text alone; a term belongs to the theme it pulls towards most, by its margin over the
    next theme, and is ranked by ``margin × ln(documents)``: terms that decide clearly and
    recur across many reports first. A term that contains, or is contained in, a stronger
    term of its theme is left out (廉洁文化品牌 stands for 廉洁文化 too).
    """
    officialese = load_officialese() if officialese is None else officialese
    documents = predictor.word_documents
    vocabulary = predictor.word_vocabulary
    candidates = [i for i in np.flatnonzero(documents >= min_documents).tolist()
                  if _readable(vocabulary[i], predictor, officialese)]
    out: dict[str, list[tuple[str, float, int]]] = {str(c): [] for c in predictor.classes_}
    if not candidates or len(predictor.classes_) < 2:
        return out
    texts = [display_name(vocabulary[i]) for i in candidates]
    decision = np.asarray(predictor.features(texts) @ predictor.coef_.T)
    ranked = np.sort(decision, axis=1)
    owner = decision.argmax(axis=1)
    margin = ranked[:, -1] - ranked[:, -2]
    counts = documents[candidates]
    scores = margin * np.log(counts)
    for row in np.argsort(-scores, kind="stable").tolist():
        theme = str(predictor.classes_[owner[row]])
        listed = out[theme]
        if len(listed) >= n or margin[row] <= 0 or _overlaps(texts[row], [t for t, *_ in listed]):
            continue
        listed.append((texts[row], round(float(scores[row]), 4), int(counts[row])))
    return out
