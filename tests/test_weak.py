from tests.conftest import REPORT
from topics.text.sentences import split_units
from topics.weak import agreement, weak_labels


def test_sentences_take_their_headings_theme(taxonomy):
    units = split_units(REPORT, "r")
    weak = {u.text: w for u, w in zip(units, weak_labels(units, taxonomy), strict=True)}
    assert (weak["举办业务培训班；"].label, weak["举办业务培训班；"].source) == ("talent", "cues")
    quiet = "党支部严格落实“三会一课”制度！"
    assert weak[quiet].label == "political"
    assert weak["严格执行“三个规定”，开展警示教育。"].label == "discipline"
    assert weak["二、加强人才培养，提升履职素能"].source == "cues"


def test_heading_decides_a_sentence_without_strong_cues(taxonomy):
    units = split_units("一、强化政治建设，落实第一议题\n\n召开会议研究部署。", "r")
    weak = weak_labels(units, taxonomy)
    assert (weak[1].label, weak[1].source) == ("political", "heading")


def test_without_a_deciding_heading_the_cue_rule_decides_or_abstains(taxonomy):
    units = split_units("开展司法救助，办理公益诉讼案件。今天天气很好。", "r")
    weak = weak_labels(units, taxonomy)
    assert (weak[0].label, weak[0].source) == ("performance", "cues")
    assert (weak[1].label, weak[1].source) == (None, None)


def test_agreement_reports_coverage_and_accuracy(taxonomy):
    units = split_units("开展司法救助，办理公益诉讼案件。今天天气很好。落实三个规定。", "r")
    weak = weak_labels(units, taxonomy)
    result = agreement(weak, ["performance", "other", "political"])
    assert result["coverage"] == 2 / 3
    assert result["accuracy"] == 0.5
    assert result["by_source"]["cues"] == {"n": 2, "accuracy": 0.5}
