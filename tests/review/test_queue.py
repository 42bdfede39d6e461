from hypothesis import given
from hypothesis import strategies as st

from topics.review.queue import least_sure_first, margin


def test_margin_is_the_gap_between_the_two_highest():
    assert margin({"a": 0.5, "b": 0.3, "c": 0.2}) == 0.5 - 0.3
    assert margin({"a": 0.9}) == 0.9
    assert margin({}) == 0.0


def test_the_least_sure_come_first_ties_by_top_probability_then_order():
    units = [("sure", {"a": 0.9, "b": 0.1}), ("torn", {"a": 0.45, "b": 0.44, "c": 0.11}),
             ("flat", {"a": 0.34, "b": 0.33, "c": 0.33}), ("tie-hi", {"a": 0.6, "b": 0.4}),
             ("tie-lo", {"a": 0.3, "b": 0.1, "c": 0.6})]
    # margins: sure .8, torn .01, flat .01, tie-hi .2, tie-lo .3
    assert least_sure_first(units) == ["flat", "torn", "tie-hi", "tie-lo", "sure"]


@given(st.lists(st.dictionaries(st.sampled_from("abcdefgh"), st.floats(0, 1), min_size=2)))
def test_the_order_is_a_permutation_by_nondecreasing_margin(scores):
    order = least_sure_first(enumerate(scores))
    assert sorted(order) == list(range(len(scores)))
    margins = [margin(scores[k]) for k in order]
    assert margins == sorted(margins)
