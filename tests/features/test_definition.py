"""The feature definition's preconditions for the fast indexes."""

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from topics.features.definition import normalise_chars, normalise_chars_many


@settings(deadline=None, max_examples=300)
@given(st.lists(st.text(alphabet=st.sampled_from("检察 \t\n\u3000\xa0xX×12３.,文" + string.ascii_letters),
                        max_size=30), max_size=8))
def test_normalised_text_holds_no_whitespace(texts):
    """CharNgramIndex.transform requires texts without whitespace runs: none are left."""
    for text in [*map(normalise_chars, texts), *normalise_chars_many(texts)]:
        assert not any(c.isspace() for c in text)


_NUMBERS = "0123456789０１２３９.,.,xX× \t\u3000\xa0检察%\U00020000"  # no NUL: one pass


@settings(deadline=None, max_examples=500)
@given(st.lists(st.text(alphabet=st.sampled_from(_NUMBERS), max_size=30), max_size=8)
       | st.lists(st.text(max_size=20), max_size=4))
def test_the_batch_is_normalised_as_each_text_is(texts):
    assert normalise_chars_many(texts) == [normalise_chars(text) for text in texts]


def test_numbers_with_points_are_normalised_as_each_text_is():
    texts = ["1.2.3", "1.2３", "3.５", "1,000.5%", "x1x2", "1 2", ".5", "5.", "1..2", "第1,2条x.3"]
    assert normalise_chars_many(texts) == [normalise_chars(text) for text in texts]
    assert normalise_chars_many(texts)[:4] == ["0.0", "00", "0.0", "0.0%"]



@settings(deadline=None, max_examples=300)
@given(st.lists(st.text(alphabet=st.sampled_from(_NUMBERS + "\x00ΑΣİ"), max_size=30), max_size=8)
       | st.lists(st.text(max_size=20), max_size=4))
def test_joined_normalised_texts_are_the_normalised_texts(texts):
    """Code points joined by NUL where no text holds NUL; else the list of strings."""
    from topics.features.definition import normalised_joined
    from topics.features.vectorize import JoinedTexts

    joined = normalised_joined(texts)
    expected = normalise_chars_many(texts)
    assert isinstance(joined, JoinedTexts) == (texts != [] and "\x00" not in "".join(texts))
    assert len(joined) == len(expected) and list(joined) == expected
    assert [joined[i] for i in range(len(joined))] == expected
    if isinstance(joined, JoinedTexts):
        assert joined.codes.tobytes().decode("utf-32-le") == "\x00".join(expected)


@pytest.mark.parametrize("texts", [["\ud800a"], ["检察", "\udfffİ", "😀"], ["\ud83d\ude00"]])
def test_texts_holding_a_lone_surrogate_are_normalised_as_strings(texts):
    from topics.features.definition import normalised_joined

    got = normalised_joined(texts)
    assert isinstance(got, list) and got == normalise_chars_many(texts)
