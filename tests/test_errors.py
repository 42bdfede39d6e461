"""The one way an input that failed travels: its InputError as a value."""

import pytest

from topics.errors import InputError, LabelError, failed, outcome


def _read(name: str) -> str:
    if name.startswith("bad"):
        raise InputError(f"{name}: not a report")
    return name.upper()


def test_outcome_is_the_result_or_the_input_error_as_a_value():
    assert outcome(_read, "good") == "GOOD"
    error = outcome(_read, "bad.txt")
    assert failed(error) and str(error) == "bad.txt: not a report"
    assert not failed("GOOD") and not failed(("name", []))


def test_outcome_lets_other_errors_through():
    def broken(_name):
        raise LabelError("labels.jsonl: malformed")

    with pytest.raises(LabelError, match=r"^labels\.jsonl: malformed$"):
        outcome(broken, "x")
