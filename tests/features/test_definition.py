"""The feature definition's preconditions for the fast indexes."""

import string

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
