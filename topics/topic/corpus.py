"""Streamed topic-model corpora: documents written to disk once, then read pass after pass.

A training corpus may be far larger than memory. Token lists arrive once, from any
iterable; one pass writes them to a text file (one document per line) while the gensim
``Dictionary`` counts them, and keeps a fixed-size, seeded sample for coherence. After the
dictionary is filtered, the bags of words are serialised to a Matrix Market file that
LDA streams in chunks. Memory holds the dictionary and the sample, not the corpus.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: Documents kept in memory to measure coherence on large corpora.
COHERENCE_SAMPLE = 20_000
#: Documents added to the dictionary at a time.
_CHUNK = 10_000


class TokenLines:
    """Token lists stored one per line (tokens hold no whitespace), re-iterable."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def __iter__(self) -> Iterator[list[str]]:
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                yield line.split()


@dataclass
class StreamedCorpus:
    """What one pass over the documents left: counts, files and a sample."""

    dictionary: object  # gensim Dictionary of every token seen
    tokens: TokenLines
    n_documents: int
    sample: list[list[str]]  # up to COHERENCE_SAMPLE documents, a seeded reservoir


def write_corpus(documents: Iterable[list[str]], folder: str | Path, seed: int = 0,
                 sample_size: int = COHERENCE_SAMPLE) -> StreamedCorpus:
    """One pass over ``documents``: token file, dictionary and a sample for coherence."""
    from gensim.corpora import Dictionary

    path = Path(folder) / "tokens.txt"
    dictionary = Dictionary()
    rng = random.Random(seed)
    sample: list[list[str]] = []
    pending: list[list[str]] = []
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for document in documents:
            line = " ".join(document)
            if len(document) != line.count(" ") + 1 or not all(document):
                document = line.split()  # a token with spaces: stored as the file reads it
            handle.write(line + "\n")
            pending.append(document)
            if len(pending) >= _CHUNK:
                dictionary.add_documents(pending)
                pending = []
            if count < sample_size:
                sample.append(document)
            else:  # reservoir sampling: every document equally likely to stay
                slot = rng.randrange(count + 1)
                if slot < sample_size:
                    sample[slot] = document
            count += 1
    dictionary.add_documents(pending)
    return StreamedCorpus(dictionary, TokenLines(path), count, sample)


def tag_counts(tokens: Iterable[list[str]], tags: list) -> dict[str, int]:
    """For each token, the number of distinct tags (genres, years) of the documents holding it.

    ``tags`` gives each document's tag in the order of ``tokens`` (None: unknown, counted
    for none).
    """
    seen: dict[str, set] = {}
    for document, tag in zip(tokens, tags, strict=True):
        if tag is not None:
            for token in set(document):
                seen.setdefault(token, set()).add(tag)
    return {token: len(found) for token, found in seen.items()}


def bag_of_words_file(corpus: StreamedCorpus, dictionary, folder: str | Path):
    """Serialise every document as a bag of words over ``dictionary``; a streamed reader."""
    from gensim.corpora import MmCorpus

    path = str(Path(folder) / "corpus.mm")
    MmCorpus.serialize(path, (dictionary.doc2bow(d) for d in corpus.tokens))
    return MmCorpus(path)


#: Neighbouring units (sentences, headings) joined into one document of the topic model
#: where a document has no paragraphs (see :func:`paragraphs`).
WINDOW_UNITS = 5


def windows(units: Iterable[list[str]], size: int = WINDOW_UNITS) -> Iterator[list[str]]:
    """Token lists of one document's units, in order, joined ``size`` units at a time.

    Topic models learn from words that occur together; one sentence holds too few. Windows
    do not overlap and never cross documents (call once per document); empty ones are left out.
    """
    window: list[str] = []
    count = 0
    for tokens in units:
        window.extend(tokens)
        count += 1
        if count == size:
            if window:
                yield window
            window, count = [], 0
    if window:
        yield window


def paragraphs(units: Iterable[list[str]], numbers: Iterable[int | None],
               size: int = WINDOW_UNITS) -> Iterator[list[str]]:
    """Token lists of one document's paragraphs: its units, in order, joined by paragraph.

    ``numbers`` gives each unit's paragraph number (see ``topics.text.sentences.Unit``);
    neighbouring units of the same number make one document of the topic model, whose
    writer kept them together (over windows of 5 units this raised held-out coherence,
    bench/TOPICS.md). A document whose units have no paragraph numbers at all falls back to
    :func:`windows` of ``size`` units. Empty paragraphs are left out.
    """
    import itertools

    units, numbers = list(units), list(numbers)
    if len(units) != len(numbers):
        raise ValueError(f"{len(units)} units but {len(numbers)} paragraph numbers")
    if all(n is None for n in numbers):
        yield from windows(units, size)
        return
    for _, group in itertools.groupby(zip(numbers, units, strict=True), key=lambda x: x[0]):
        paragraph = [t for _, tokens in group for t in tokens]
        if paragraph:
            yield paragraph
