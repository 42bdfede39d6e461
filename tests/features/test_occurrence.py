"""Document counts of word features: as written, each document once."""

from topics.features.occurrence import document_counts


def _content(token):
    return token not in {"和", "的", "，"}


def test_counts_documents_not_sentences():
    vocabulary = ["警示", "教育", "警示 教育", "集体 个人", "周末"]
    token_lists = [["警示", "教育"], ["警示", "教育", "，", "周末"], ["集体", "和", "个人"],
                   ["警示", "的", "教育"]]
    counts = document_counts(vocabulary, token_lists, ["a", "a", "b", "c"], _content)
    # 警示 and 教育 in a, c; the pair next to each other in a only (in c 的 is between them)
    assert counts.tolist() == [2, 2, 1, 0, 1]


def test_each_sentence_its_own_document_by_default_shape():
    counts = document_counts(["甲乙"], [["甲乙"], ["甲乙"], ["丙"]], range(3), _content)
    assert counts.tolist() == [2]
