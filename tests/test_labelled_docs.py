"""Labelled documents: labels matched to the units of their document."""

import json

import pytest

from topics.errors import LabelError
from topics.labelled_docs import load_document_set, match_labels, metadata_year, strip_metadata


def test_metadata_lines_are_not_text():
    assert strip_metadata("# genre: news\n# style-of: x\n标题\n正文。") == "标题\n正文。"


def test_the_year_is_the_last_one_the_style_of_line_names():
    assert metadata_year("# genre: news\n# style-of: county news on a 2019 event, 2021\n2008年") == 2021
    assert metadata_year("# genre: news\n正文，2021年。") is None  # years of the text are text
    assert metadata_year("# style-of: report no. 12345\n") is None


def test_each_label_goes_to_the_unit_it_covers_and_disagreements_label_nothing():
    text = "某某检察院举办培训班\n2024-05-16 来源：某某检察\n举办业务培训班。开展警示教育。"
    records = [{"text": "某某检察院举办培训班", "label": "talent"},
               {"text": "2024-05-16 来源：某某检察", "label": "other"},
               {"text": "举办业务培训班。", "label": "talent"},
               {"text": "开展警示教育。", "label": "discipline", "agreed": False}]
    units, gold = match_labels(text, "d", records)
    assert [u.text for u in units] == ["某某检察院举办培训班", "2024-05-16来源：某某检察",
                                       "举办业务培训班。", "开展警示教育。"]
    assert gold == ["talent", "other", "talent", None]


def test_a_label_whose_text_was_cleaned_is_matched_by_shared_characters():
    units, gold = match_labels("队 伍素能是本。", "d", [{"text": "队伍素能是本。", "label": "talent"}])
    assert gold == ["talent"]


def test_a_document_set_is_loaded_and_bad_labels_are_named(tmp_path, taxonomy):
    docs = tmp_path / "set" / "docs"
    docs.mkdir(parents=True)
    (docs / "a.txt").write_text("# genre: news\n# style-of: county news, 2016\n举办业务培训班。",
                                encoding="utf-8")
    labels = tmp_path / "set" / "labels.jsonl"
    labels.write_text(json.dumps({"doc": "a.txt", "text": "举办业务培训班。", "label": "talent",
                                  "genre": "news"}, ensure_ascii=False) + "\n", encoding="utf-8")
    [doc] = load_document_set(docs, labels, taxonomy, "set")
    assert doc.name == "set/a.txt" and doc.gold == ["talent"] and doc.genre == "news"
    assert doc.year == 2016
    labels.write_text(json.dumps({"doc": "b.txt", "text": "x", "label": "talent"}) + "\n",
                      encoding="utf-8")
    with pytest.raises(LabelError, match="b.txt, which is not in"):
        load_document_set(docs, labels, taxonomy)
    labels.write_text(json.dumps({"doc": "a.txt", "text": "x", "label": "sports"}) + "\n",
                      encoding="utf-8")
    with pytest.raises(LabelError, match="unknown theme 'sports'"):
        load_document_set(docs, labels, taxonomy)


def _one_label(tmp_path, doc):
    docs = tmp_path / "set" / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    labels = tmp_path / "set" / "labels.jsonl"
    labels.write_text(json.dumps({"doc": doc, "text": "举办业务培训班。", "label": "talent"},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    return docs, labels


@pytest.mark.parametrize("doc", ["ABSOLUTE", "../outside.txt", "link.txt"])
def test_a_document_outside_the_folder_is_not_read(tmp_path, taxonomy, doc):
    outside = tmp_path / "set" / "outside.txt"
    docs, labels = _one_label(tmp_path, str(outside) if doc == "ABSOLUTE" else doc)
    outside.write_text("举办业务培训班。", encoding="utf-8")
    (docs / "link.txt").symlink_to(outside)
    shown = str(outside) if doc == "ABSOLUTE" else doc
    with pytest.raises(LabelError) as caught:
        load_document_set(docs, labels, taxonomy)
    assert str(caught.value) == f"{labels}: labels for {shown}, which is not in {docs}"


def test_a_document_that_is_not_utf8_text_is_named(tmp_path, taxonomy):
    docs, labels = _one_label(tmp_path, "gbk.txt")
    (docs / "gbk.txt").write_bytes("举办业务培训班。".encode("gbk"))
    with pytest.raises(LabelError) as caught:
        load_document_set(docs, labels, taxonomy)
    assert str(caught.value) == (f"{labels}: labels for gbk.txt, which is not UTF-8 text (the "
                                 f"documents of a set are UTF-8 .txt files)")


def test_a_unit_s_weight_reaches_its_training_sentence_and_a_bad_one_is_named(tmp_path, taxonomy):
    from topics.train import collect_training_data

    docs = tmp_path / "set" / "docs"
    docs.mkdir(parents=True)
    (docs / "a.txt").write_text("举办业务培训班。开展警示教育。", encoding="utf-8")
    labels = tmp_path / "set" / "labels.jsonl"
    records = [{"doc": "a.txt", "text": "举办业务培训班。", "label": "talent", "weight": 0.5},
               {"doc": "a.txt", "text": "开展警示教育。", "label": "discipline"}]
    labels.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                      encoding="utf-8")
    [doc] = load_document_set(docs, labels, taxonomy, "set")
    assert doc.weights == [0.5, 1.0]
    data = collect_training_data(taxonomy, [], [], document_sets=[(docs, labels)])
    assert [(s.label, s.weight) for s in data.sentences] == [("talent", 0.5), ("discipline", 1.0)]
    for bad, message in ((0, "'weight' must be a positive"), (-1, "'weight' must be a positive"),
                         ("half", "'weight' must be a positive"), (True, "'weight' must be a positive"),
                         (float("inf"), "Infinity is not a number JSON allows")):
        records[1]["weight"] = bad
        labels.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                          encoding="utf-8")
        with pytest.raises(LabelError, match=f"labels.jsonl, line 2: {message}"):
            load_document_set(docs, labels, taxonomy, "set")


def test_a_set_without_weights_has_none(tmp_path, taxonomy):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("举办业务培训班。", encoding="utf-8")
    labels = tmp_path / "labels.jsonl"
    labels.write_text(json.dumps({"doc": "a.txt", "text": "举办业务培训班。", "label": "talent"},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    [doc] = load_document_set(docs, labels, taxonomy)
    assert doc.weights is None


def test_written_documents_are_marked_and_do_not_calibrate_units_alone(tmp_path, taxonomy):
    from topics import config
    from topics.train import calibrating_rows

    docs = tmp_path / "mine" / "docs"
    docs.mkdir(parents=True)
    for name in ("a.txt", "b.txt"):
        (docs / name).write_text("举办业务培训班。", encoding="utf-8")
    labels = tmp_path / "mine" / "labels.jsonl"
    labels.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in (
        {"doc": "a.txt", "text": "举办业务培训班。", "label": "talent", "source": "written"},
        {"doc": "b.txt", "text": "举办业务培训班。", "label": "talent"})), encoding="utf-8")
    written, real = load_document_set(docs, labels, taxonomy, "mine")
    assert (written.source, real.source) == ("written", "hand")
    rows = [(None, 0, written), (None, 0, real)]
    assert calibrating_rows(rows).tolist() == [False, True]
    # the shipped sets written for this project say so; the development set does not
    sources = {labels.parent.name: {d.source for d in load_document_set(folder, labels, taxonomy)}
               for folder, labels in config.document_sets()}
    assert sources["written"] == sources["written7"] == {"written"}
    assert sources["devset"] == {"hand"}
