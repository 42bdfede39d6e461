"""The fast transforms equal scikit-learn's, and batched cue matching equals the regex."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from tests.conftest import TINY
from topics.features import vectorize
from topics.features.cues import CueMatcher
from topics.features.definition import normalise_chars
from topics.features.sparse import sp
from topics.features.tfidf import ordered_vocabulary
from topics.features.vectorize import CharNgramIndex, CharNgramVectorizer, WordNgramIndex
from topics.text.segment import Segmenter, TokenLists

TEXTS = [text for text, _ in TINY]
# Characters of the training texts plus some they lack (Latin, full-width, emoji, rare).
ALPHABET = st.sampled_from(sorted(set("".join(TEXTS)) | set("ABCxyzＡＢ😀𠀀İ0ΑΣ\u0301")))


def char_vectorizer(ngrams=(1, 3), min_df=2):
    texts = [normalise_chars(t) for t in TEXTS]
    return TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True,
                           min_df=min_df).fit(texts)


def _same(a, b) -> None:
    assert a.shape == b.shape
    difference = abs(a - b)
    assert difference.nnz == 0 or difference.max() < 1e-12
    assert (a != 0).nnz == (b != 0).nnz


@pytest.mark.parametrize("dense_pairs", [True, False])
@pytest.mark.parametrize("ngrams,min_df", [((1, 3), 2), ((1, 3), 1), ((2, 3), 1), ((1, 1), 1)])
def test_char_index_equals_sklearn(ngrams, min_df, dense_pairs, monkeypatch):
    if not dense_pairs:  # bigrams hashed as trigrams are
        monkeypatch.setattr("topics.features.vectorize.DENSE_PAIRS_MAX", 0)
    vectorizer = char_vectorizer(ngrams, min_df)
    index = CharNgramIndex(ordered_vocabulary(vectorizer), vectorizer.idf_,
                           vectorizer.ngram_range, vectorizer.lowercase, vectorizer.sublinear_tf)
    texts = [normalise_chars(t) for t in TEXTS + ["", "一", "ABC检察abc", "检察检察检察"]]
    _same(vectorizer.transform(texts), index.transform(texts))
    assert (index._pairs is not None) == (dense_pairs and ngrams == (1, 3))
    # a text that holds NUL (what joins the texts otherwise): each text on its own
    texts[1:1] = ["检\x00察院", "\x00", "ΑΣ\x00"]
    _same(vectorizer.transform(texts), index.transform(texts))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(ALPHABET, max_size=30), min_size=1, max_size=8))
def test_char_index_equals_sklearn_on_any_text(texts):
    vectorizer = char_vectorizer()
    index = CharNgramIndex(ordered_vocabulary(vectorizer), vectorizer.idf_,
                           vectorizer.ngram_range, vectorizer.lowercase, vectorizer.sublinear_tf)
    texts = [normalise_chars(t) for t in texts]
    _same(vectorizer.transform(texts), index.transform(texts))


def test_lower_table_is_str_lower_of_every_character_of_the_plane():
    table = vectorize._lower_table()
    for point in range(0x10000):
        if point in vectorize._LOWER_APART:
            assert table[point] == vectorize._APART
        elif not 0xD800 <= point <= 0xDFFF:
            assert chr(table[point]) == chr(point).lower(), hex(point)
    assert table[0x10000] == vectorize._APART and len(table) == 0x10001


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(ALPHABET | st.sampled_from("ΣσİI\u0307ＡＺ"), max_size=30), max_size=8))
def test_char_index_reads_joined_code_points_as_the_strings(texts):
    """JoinedTexts (code points, NUL between texts) give the strings' rows to the bit."""
    from topics.features.vectorize import JoinedTexts

    index = _index()
    texts = [normalise_chars(t) for t in texts]
    joined = JoinedTexts(np.frombuffer("\x00".join(texts).encode("utf-32-le"), np.uint32),
                         len(texts))
    expected, got = index.transform(texts), index.transform(joined)
    assert got.shape == expected.shape == (len(texts), len(index.idf))
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(got, name), getattr(expected, name))
    if texts:
        _same(char_vectorizer().transform(texts), got)


def _index():
    vectorizer = char_vectorizer()
    return CharNgramIndex(ordered_vocabulary(vectorizer), vectorizer.idf_,
                          vectorizer.ngram_range, vectorizer.lowercase, vectorizer.sublinear_tf)


def _same_fit(texts, ngrams, min_df) -> None:
    """The numpy fit equals scikit-learn's: vocabulary in order, idf, matrix."""
    expected = TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True,
                               min_df=min_df)
    fast = CharNgramVectorizer(ngrams, min_df)
    try:
        matrix = expected.fit_transform(texts)
    except ValueError:  # nothing left of the vocabulary: the numpy fit says so too
        with pytest.raises(ValueError):
            fast.fit_transform(texts)
        return
    got = fast.fit_transform(texts)
    assert ordered_vocabulary(fast) == ordered_vocabulary(expected)
    assert np.array_equal(fast.idf_, expected.idf_)
    _same(matrix, got)


@pytest.mark.parametrize("ngrams,min_df", [((1, 3), 2), ((1, 3), 1), ((2, 3), 1), ((1, 1), 1),
                                           ((1, 2), 3), ((3, 3), 2)])
def test_char_fit_equals_sklearn(ngrams, min_df):
    texts = [normalise_chars(t) for t in TEXTS + ["", "一", "ABC检察abc", "检察检察检察", "İİ"]]
    _same_fit(texts, ngrams, min_df)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(ALPHABET, max_size=30), min_size=1, max_size=8),
       st.sampled_from([(1, 3), (1, 2), (2, 3)]), st.integers(1, 3))
def test_char_fit_equals_sklearn_on_any_text(texts, ngrams, min_df):
    _same_fit([normalise_chars(t) for t in texts], ngrams, min_df)


def test_char_fit_refuses_longer_ngrams():
    with pytest.raises(ValueError, match="not supported"):
        CharNgramVectorizer((1, 4)).fit_transform(["检察"])


def test_word_index_equals_sklearn():
    segmenter = Segmenter()
    tokens = [segmenter.content_tokens(t) for t in TEXTS]
    vectorizer = TfidfVectorizer(tokenizer=lambda x: x, preprocessor=lambda x: x,
                                 lowercase=False, token_pattern=None, ngram_range=(1, 2),
                                 sublinear_tf=True).fit(tokens)
    vocabulary = ordered_vocabulary(vectorizer)
    assert WordNgramIndex.supports(vocabulary, (1, 2))
    index = WordNgramIndex(vocabulary, vectorizer.idf_, (1, 2), True)
    probe = tokens + [[], ["未知"], tokens[0][::-1], tokens[0] + tokens[1], ["检察", "检察"]]
    _same(vectorizer.transform(probe), index.transform(probe))
    _same(vectorizer.transform(probe),
          WordNgramIndex.of(vocabulary, vectorizer.idf_, (1, 2), True).transform(probe))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(st.sampled_from("政治建设党风廉政检察官队伍文化的了和，。12xx"), max_size=30),
                max_size=6))
def test_word_index_keeping_content_tokens_equals_sklearn_on_content_tokens(texts):
    segmenter = Segmenter()
    tokens = [segmenter.content_tokens(t) for t in TEXTS]
    vectorizer = TfidfVectorizer(tokenizer=lambda x: x, preprocessor=lambda x: x,
                                 lowercase=False, token_pattern=None, ngram_range=(1, 2),
                                 sublinear_tf=True).fit(tokens)
    index = WordNgramIndex(ordered_vocabulary(vectorizer), vectorizer.idf_, (1, 2), True,
                           keep=segmenter.is_content)
    probe = TEXTS[:3] + texts
    segmented = segmenter.tokens_many(probe)
    expected = vectorizer.transform(segmenter.content_of(segmented))
    _same(expected, index.transform(segmented))
    _same(expected, index.transform(segmented))  # again, with every token's verdict known
    assert isinstance(segmented, TokenLists)  # read as one flat list; as lists, the same
    _same(expected, index.transform(list(segmented)))
    plain = WordNgramIndex(ordered_vocabulary(vectorizer), vectorizer.idf_, (1, 2), True)
    _same(plain.transform(list(segmented)), plain.transform(segmented))  # without keep


def _closed_reference(vocabulary: list[str]) -> bool:
    terms = set(vocabulary)
    return all(len(t) == 1 or (t[:-1] in terms and t[1:] in terms) for t in vocabulary)


def _supports_reference(vocabulary: list[str], ngram_range) -> bool:
    if not 1 <= ngram_range[0] <= ngram_range[1] <= 2:
        return False
    unigrams = {t for t in vocabulary if " " not in t}
    for term in vocabulary:
        parts = term.split(" ")
        if len(parts) > 2 or (len(parts) == 2 and not set(parts) <= unigrams) or "" in parts:
            return False
    return True


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from("检察a\x00😀\ud800"), min_size=0, max_size=3),
                unique=True, max_size=30))
def test_character_terms_are_keyed_and_checked_as_the_reference_does(vocabulary):
    """The vocabulary's keys and closedness, from numpy, equal those of the terms one by one."""
    terms = vectorize._char_terms(vocabulary)
    assert terms.keys.tolist() == [vectorize._char_key(t) for t in vocabulary]
    table = vectorize.KeyTable(terms.keys, np.arange(len(vocabulary)))
    assert vectorize.CharNgramIndex._is_closed(vocabulary, terms, table) == \
        _closed_reference(vocabulary)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from("ab \n"), min_size=0, max_size=5), unique=True,
                max_size=12))
def test_word_pairs_are_found_as_the_reference_finds_them(vocabulary):
    assert WordNgramIndex.supports(vocabulary, (1, 2)) == \
        _supports_reference(vocabulary, (1, 2))
    columns, firsts, seconds, _ = vectorize._bigram_parts(vocabulary)
    pairs = [(c, t.split(" ")) for c, t in enumerate(vocabulary) if len(t.split(" ")) == 2]
    assert columns == [c for c, _ in pairs]
    assert [[a, b] for a, b in zip(firsts, seconds, strict=True)] == [p for _, p in pairs]


def test_word_index_refuses_what_it_cannot_reproduce():
    assert not WordNgramIndex.supports(["a", "a b c"], (1, 2))  # a bigram of 3 parts
    assert not WordNgramIndex.supports(["a b"], (1, 2))  # parts not in the vocabulary
    assert not WordNgramIndex.supports(["a"], (1, 3))
    for vocabulary, ngrams in ((["a", "a b c"], (1, 2)), (["a b"], (1, 2)), (["a"], (1, 3))):
        assert WordNgramIndex.of(vocabulary, np.ones(len(vocabulary)), ngrams) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(st.sampled_from("政治建设党风廉政检察官队伍文化\n。x"), max_size=40),
                max_size=6))
def test_batched_cue_matches_equal_the_regex(taxonomy, texts):
    matcher = CueMatcher(taxonomy)
    words = sorted({w for t in taxonomy.themes for w in t.cues}, key=lambda w: (-len(w), w))
    pattern = re.compile("|".join(map(re.escape, words)))
    assert matcher.matches_many(texts) == [pattern.findall(t) for t in texts]
    assert [matcher.matches(t) for t in texts] == [pattern.findall(t) for t in texts]
    assert np.array_equal(matcher.score_matrix_of_texts(texts),
                          matcher.score_matrix(matcher.matches_many(texts)))


def test_score_matrix_from_batched_matches(taxonomy):
    matcher = CueMatcher(taxonomy)
    texts = TEXTS + ["", "今天下雨。", "党建党建党建，纪律纪律。"]
    # Summed by hand from the taxonomy (scores() itself now goes through score_matrix).
    expected = np.zeros((len(texts), len(taxonomy.ids)))
    for row, text in enumerate(texts):
        for word in matcher.matches(text):
            for column, theme in enumerate(taxonomy.themes):
                expected[row, column] += theme.cues.get(word, 0)
    assert np.array_equal(np.vstack([matcher.scores(t) for t in texts]), expected)
    assert expected.any()
    assert np.array_equal(matcher.score_matrix(matcher.matches_many(texts)), expected)
    assert np.array_equal(matcher.score_matrix_of_texts(texts), expected)
    assert matcher.score_matrix([]).shape == (0, len(taxonomy.ids))
    assert matcher.score_matrix_of_texts([]).shape == (0, len(taxonomy.ids))


def test_batched_scores_add_words_of_several_columns_in_order(taxonomy):
    matcher = CueMatcher(taxonomy, hints=True)
    several = [w for w, entries in matcher._weights.items() if len(entries) > 1]
    assert several  # the default taxonomy has words that are cue and hint
    words = several + ["党建", "纪律", "队伍"]
    texts = ["，".join(words[i:] + words[:i]) * (i % 3) for i in range(len(words) + 2)]
    expected = matcher.score_matrix(matcher.matches_many(texts))
    assert expected.any() and np.array_equal(matcher.score_matrix_of_texts(texts), expected)


def _weighted_reference(rows, columns, n_rows, idf, sublinear):
    """TF-IDF rows of (row, column) pairs the plain way: counts, log, idf, bincount norms."""
    counts = sp.coo_matrix((np.ones(len(rows)), (rows, columns)), shape=(n_rows, len(idf)))
    counts = counts.tocsr()
    counts.sum_duplicates()
    values = counts.data.copy()
    if sublinear:
        np.log(values, out=values)
        values += 1.0
    values *= idf[counts.indices]
    row_of = np.repeat(np.arange(n_rows), np.diff(counts.indptr))
    values /= np.sqrt(np.bincount(row_of, weights=values * values, minlength=n_rows))[row_of]
    return values, counts.indices, counts.indptr


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 40)), max_size=400),
       st.booleans(), st.sampled_from([(31, 41), (1 << 13, 1 << 20), (4096, 1 << 20)]),
       st.integers(0, 2**32 - 1))
def test_weighting_equals_the_plain_way_bit_for_bit(pairs, sublinear, shape, seed):
    """Same values to the last bit: counts' logs from a table, norms summed in order."""
    n_rows, width = shape  # 32-bit keys; 64-bit ones; rows' bounds up to exactly 2**32
    rows = np.array([r for r, _ in pairs], dtype=np.int64)
    columns = np.array([c for _, c in pairs], dtype=np.int64)
    idf = np.random.default_rng(seed).uniform(1.0, 12.0, width)
    got = vectorize._weighted(rows, columns, n_rows, idf, sublinear)
    values, indices, indptr = _weighted_reference(rows, columns, n_rows, idf, sublinear)
    assert np.array_equal(got.data, values) and np.array_equal(got.indices, indices)
    assert np.array_equal(got.indptr, indptr) and got.shape == (n_rows, width)


def _row_sorted_pieces(pairs, cuts):
    """``pairs`` cut into pieces at ``cuts``, each piece's pairs in order of row."""
    bounds = [0, *sorted(c % (len(pairs) + 1) for c in cuts), len(pairs)]
    pieces = [sorted(pairs[a:b], key=lambda pair: pair[0])
              for a, b in zip(bounds, bounds[1:], strict=False)]
    return ([np.array([r for r, _ in p], dtype=np.int64) for p in pieces],
            [np.array([c for _, c in p], dtype=np.int64) for p in pieces])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 40)), max_size=400),
       st.lists(st.integers(0, 400), max_size=3), st.sampled_from([1, 3, 256]),
       st.booleans(), st.sampled_from([np.uint32, np.int64]))
def test_sorted_keys_equal_one_sort_of_all(pairs, cuts, run_keys, in_order, dtype):
    """Runs of rows sorted alone (pieces in order of row) or all at once: the same keys."""
    rows, columns = _row_sorted_pieces(pairs, cuts)
    if not in_order and len(pairs) > 1:  # a piece out of order: one sort of all
        rows, columns = [np.array([r for r, _ in pairs])], [np.array([c for _, c in pairs])]
    expected = np.sort(np.concatenate(
        [(r << 6) | c for r, c in zip(rows, columns, strict=True)] or [np.zeros(0, np.int64)]))
    old, vectorize._RUN_KEYS = vectorize._RUN_KEYS, run_keys
    try:
        got = vectorize._sorted_keys(rows, columns, 31, 6, dtype)
    finally:
        vectorize._RUN_KEYS = old
    assert got.dtype == dtype and np.array_equal(got, expected.astype(dtype))


def test_sorted_keys_of_long_rows_and_empty_pieces():
    """A row of more keys than a run, rows without keys, an empty piece, the last row."""
    rng = np.random.default_rng(3)
    rows = [np.repeat([0, 2, 9], [1000, 5, 700]), np.zeros(0, np.int64),
            np.sort(rng.integers(0, 10, 3000))]
    columns = [rng.integers(0, 1 << 17, len(r)) for r in rows]
    expected = np.sort(np.concatenate([(r << 17) | c for r, c in zip(rows, columns, strict=True)]))
    got = vectorize._sorted_keys(rows, columns, 10, 17, np.uint32)
    assert np.array_equal(got, expected)
    assert len(vectorize._sorted_keys([np.zeros(0, np.int64)], [np.zeros(0, np.int64)], 4, 3,
                                      np.uint32)) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 40)), max_size=400),
       st.lists(st.integers(0, 400), max_size=3), st.booleans(), st.integers(0, 2**32 - 1))
def test_weighting_of_pieces_in_order_of_row_equals_the_plain_way(pairs, cuts, sublinear,
                                                                   seed):
    """Pieces whose rows come in order (as the transforms give them): the same bits."""
    rows, columns = _row_sorted_pieces(pairs, cuts)
    idf = np.random.default_rng(seed).uniform(1.0, 12.0, 41)
    got = vectorize._weighted(rows, columns, 31, idf, sublinear)
    values, indices, indptr = _weighted_reference(
        np.concatenate(rows), np.concatenate(columns), 31, idf, sublinear)
    assert np.array_equal(got.data, values) and np.array_equal(got.indices, indices)
    assert np.array_equal(got.indptr, indptr)


# Traditional and simplified characters, placeholders, digits, spaces, line breaks, NUL.
BATCH_ALPHABET = st.sampled_from(sorted(set("".join(TEXTS)) | set(
    "檢察機關黨風廉政建設隊伍團結發展與這個們說為會經過總體國際xX×0１2.,%   \n\t\x00")))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(BATCH_ALPHABET, max_size=25), max_size=8))
def test_batch_text_normalisation_equals_text_by_text(texts):
    from topics.features.definition import normalise_chars_many
    from topics.text.simplify import to_simplified, to_simplified_many

    assert normalise_chars_many(texts) == [normalise_chars(t) for t in texts]
    assert to_simplified_many(texts) == [to_simplified(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(st.text(BATCH_ALPHABET | st.characters(), max_size=40))
def test_character_normalisation_equals_its_regular_expressions(text):
    expected = re.sub(r"\s+", "", re.sub(r"[0-9０-９]+(?:[.,][0-9]+)?", "0",
                                         re.sub(r"[xX×]+", "", text)))
    assert normalise_chars(text) == expected


def test_batch_simplification_of_phrases_equals_text_by_text():
    from topics.text.simplify import to_simplified, to_simplified_many

    texts = ["檢察機關", "黨風廉政建設", "", "乾隆皇帝的頭髮", "著力推進隊伍建設", "後來"]
    assert to_simplified_many(texts) == [to_simplified(t) for t in texts]
    assert to_simplified_many(texts)[0] == "检察机关"


@settings(max_examples=100, deadline=None)
@given(st.sets(st.integers(0, 2**63 - 1), max_size=300),
       st.lists(st.integers(0, 2**63 - 1), max_size=50), st.integers(0, 2**10))
def test_key_table_finds_exactly_its_keys(keys, others, crowd):
    from topics.features.vectorize import KeyTable

    keys = sorted(keys | set(range(crowd, crowd + 40)))  # neighbours collide in the hash
    table = KeyTable(np.array(keys, dtype=np.int64), np.arange(len(keys)) * 7)
    queries = keys + others
    expected = [keys.index(q) * 7 if q in keys else -1 for q in queries]
    assert table.lookup(np.array(queries, dtype=np.int64)).tolist() == expected
