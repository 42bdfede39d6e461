"""The numpy leftmost-longest matcher against ahocorasick_rs, the reference automaton."""

from __future__ import annotations

import ahocorasick_rs
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from topics.features._longest import LongestMatcher, _chosen


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _reference(words: list[str], text: str) -> list[tuple[int, int, int]]:
    automaton = ahocorasick_rs.AhoCorasick(words, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    return [(word, start, end - start) for word, start, end
            in automaton.find_matches_as_indexes(text, overlapping=False)]


def _found(words: list[str], text: str) -> list[tuple[int, int, int]]:
    found, starts, lengths = LongestMatcher(words).find(_codes(text))
    return list(zip(found.tolist(), starts.tolist(), lengths.tolist(), strict=True))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from("政治建设党风廉a\n"), min_size=1, max_size=6),
                unique=True, max_size=15),
       st.text(st.sampled_from("政治建设党风廉a\nb😀"), max_size=80))
def test_matches_are_the_automatons(words, text):
    assert _found(words, text) == _reference(words, text)


def test_nested_and_overlapping_words():
    words = ["改革开放", "开放", "改革", "革开", "放", "深化改革开放新"]
    for text in ("深化改革开放", "改革开放新", "深化改革开放新时代", "放放开放革开", ""):
        assert _found(words, text) == _reference(words, text)


def test_words_and_text_holding_nul():
    words = ["a\x00", "\x00", "b\x00\x00"]
    for text in ("a", "a\x00b", "b\x00", "\x00\x00b\x00\x00", "b"):
        assert _found(words, text) == _reference(words, text)


def test_no_words_or_no_text():
    assert _found([], "政治建设") == []
    assert _found(["政治"], "") == []
    assert _found(["政治"], "hello, world") == []


def test_a_long_line_and_words_past_the_alphabet():
    words = ["😀党", "党建", "建设", "a", "建设党建😀"]
    text = "建设党建😀党建a😀党" * 3000 + "b"
    assert _found(words, text) == _reference(words, text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(1, 6)), unique_by=lambda p: p[0]))
def test_chosen_candidates_are_the_scans(candidates):
    candidates.sort()
    starts = np.array([s for s, _ in candidates], dtype=np.int64)
    lengths = np.array([n for _, n in candidates], dtype=np.int64)
    taken, position = [], 0
    for number, (start, length) in enumerate(candidates):  # the plain left-to-right scan
        if start >= position:
            taken.append(number)
            position = start + length
    assert _chosen(starts, lengths).tolist() == taken


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(st.sampled_from("政治建设党风a"), min_size=1, max_size=5),
                unique=True, max_size=12),
       st.text(st.sampled_from("政治建设党风ab"), max_size=60))
def test_without_the_direct_table_the_same_matches(words, text):
    matcher = LongestMatcher(words)
    plain = LongestMatcher.__new__(LongestMatcher)
    plain.__dict__.update(matcher.__dict__)
    plain._pairs = None
    found = [part.tolist() for part in matcher.find(_codes(text))]
    assert found == [part.tolist() for part in plain.find(_codes(text))]
    assert list(zip(*found, strict=True)) == _reference(words, text)
