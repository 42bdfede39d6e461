import json
import re

import pytest

from topics import config
from topics.errors import LabelError
from topics.labels import load_labels


def test_shipped_hand_labels_cover_every_seed_sentence(taxonomy):
    from topics.read.files import read_text
    from topics.text.sentences import split_units

    labels = load_labels(config.label_paths()[0], taxonomy)
    by_key = {(s.report, s.index): s for s in labels}
    for path in config.seed_paths():
        units = split_units(read_text(path), path.name)
        for unit in units:
            assert by_key[(path.name, unit.index)].text == unit.text
    assert len(by_key) == len(labels)


def test_authored_examples_are_marked_as_such(taxonomy):
    authored = load_labels(config.label_paths()[1], taxonomy)
    assert authored and all(s.source == "authored" for s in authored)


def test_unknown_theme_names_file_and_line(taxonomy, write_jsonl):
    path = write_jsonl("l.jsonl", [{"text": "甲", "label": "political"}, {"text": "乙", "label": "sports"}])
    with pytest.raises(LabelError, match=r"l.jsonl, line 2: unknown theme 'sports'"):
        load_labels(path, taxonomy)


def test_duplicate_id(taxonomy, write_jsonl):
    path = write_jsonl("l.jsonl", [{"text": "甲", "label": "other", "report": "r", "index": 1},
                                   {"text": "乙", "label": "other", "report": "r", "index": 1}])
    with pytest.raises(LabelError, match=r"line 2: duplicate id .* first seen on line 1"):
        load_labels(path, taxonomy)


def test_missing_text(taxonomy, write_jsonl):
    path = write_jsonl("l.jsonl", [{"label": "other"}])
    with pytest.raises(LabelError, match=r"line 1: missing or empty 'text'"):
        load_labels(path, taxonomy)


def test_malformed_json_names_the_line(taxonomy, tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_text(json.dumps({"text": "甲", "label": "other"}) + "\n\n{oops\n", encoding="utf-8")
    with pytest.raises(LabelError, match=r"line 3: malformed JSON"):
        load_labels(path, taxonomy)


@pytest.mark.parametrize("number,message", [
    ("1" + "0" * 5000, "an integer of 5,001 digits is too long"),
    ("NaN", "NaN is not a number JSON allows"),
    ("Infinity", "Infinity is not a number JSON allows"),
    ("-Infinity", "-Infinity is not a number JSON allows"),
    ("1e999999", "the number 1e999999 is out of range"),
])
def test_a_number_json_cannot_hold_names_the_line(taxonomy, tmp_path, number, message):
    path = tmp_path / "l.jsonl"
    path.write_text(json.dumps({"text": "甲", "label": "other"}) + "\n"
                    + f'{{"text": "乙", "label": "other", "id": {number}}}\n', encoding="utf-8")
    with pytest.raises(LabelError, match=f"^{re.escape(str(path))}, line 2: {re.escape(message)}$"):
        load_labels(path, taxonomy)


def test_empty_label_file(taxonomy, tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(LabelError, match="no records"):
        load_labels(path, taxonomy)
