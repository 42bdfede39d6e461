import functools
import json

import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import TINY
from topics.cli import main
from topics.text.segment import Segmenter
from topics.topic.select import (
    KScore,
    best_match_overlap,
    choose_k,
    select_k,
    theme_owners,
    tied_overlap,
)

FAST = {"passes": 3, "iterations": 50, "no_below": 1, "no_above": 0.9, "phrase_min_count": 0}


@pytest.fixture(scope="module")
def documents():
    segmenter = Segmenter()
    return [segmenter.content_tokens(t) for t, _ in TINY] * 3


def test_overlaps():
    a = [["x", "y"], ["z", "w"]]
    assert best_match_overlap(a, a) == 1.0
    assert best_match_overlap(a, [["x", "z"], ["q", "r"]]) == 0.5
    assert tied_overlap(a, [["z", "w"], ["x", "y"]], 2) == 0.0
    assert tied_overlap(a, [["x", "q"], ["z", "w"]], 1) == 0.5


def _score(k, c_v, stability, owned, same=True):
    return KScore(k, k - 8, c_v, 0.0, stability, stability, owned, same, 0.0)


def test_the_rule_prefers_stable_then_themes_then_coherence_then_smaller_k():
    scores = [_score(8, 0.50, 0.9, 8), _score(9, 0.60, 0.5, 8), _score(10, 0.55, 0.8, 6),
              _score(11, 0.503, 0.8, 7)]
    assert choose_k(scores).k == 8  # 9 unstable, 10 owns too few, 11 ties 8 within 0.005
    scores.append(_score(12, 0.52, 0.75, 8))
    assert choose_k(scores).k == 12
    scores.append(_score(13, 0.70, 0.95, 8, same=False))  # seeds disagree on the themes
    assert choose_k(scores).k == 12
    assert choose_k([_score(8, 0.4, 0.1, 3), _score(9, 0.5, 0.2, 3)]).k == 9  # none stable


def test_select_k_scores_every_k_on_a_small_corpus(documents, taxonomy):
    chosen, scores = select_k(documents, taxonomy, [8, 9], n_seeds=2, params=FAST)
    assert [s.k for s in scores] == [8, 9] and chosen in scores
    assert [s.n_free for s in scores] == [0, 1]
    for s in scores:
        assert 0 < s.c_v <= 1 and -1 <= s.c_npmi <= 1
        assert 0 < s.stability <= 1 and 1 <= s.themes_owned <= 8


def test_select_k_reports_the_k_asked_for_when_some_themes_have_no_topic(taxonomy):
    segmenter = Segmenter()
    two_themes = [segmenter.content_tokens(t) for t, y in TINY
                  if y in ("political", "talent")] * 3
    chosen, scores = select_k(two_themes, taxonomy, [8, 9], n_seeds=2, params=FAST)
    assert [s.k for s in scores] == [8, 9] and chosen.k in (8, 9)  # what train --topics takes
    assert [s.n_free for s in scores] == [0, 1]


def test_theme_owners_follow_the_cue_words(documents, taxonomy):
    from topics.topic.estimator import ThemeTopicModel

    model = ThemeTopicModel(taxonomy=taxonomy, n_free_topics=0, **FAST).fit(documents)
    owners = theme_owners(model.inference_, taxonomy)
    tied = model.topic_themes_
    assert sum(o == t for o, t in zip(owners, tied, strict=True)) >= len(tied) - 2
    # a topic whose words are spread as the corpus's is owned by no theme
    flat = model.inference_
    flat.sstats_ = np.tile(flat.sstats_.sum(axis=0), (flat.n_topics, 1))
    assert set(theme_owners(flat, taxonomy)) == {None}


def test_select_k_command_prints_the_table_and_writes_the_chart(tmp_path, monkeypatch):
    import topics.topic.select as select

    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps({"text": t, "label": y}, ensure_ascii=False) + "\n"
                              for t, y in TINY * 2), encoding="utf-8")
    monkeypatch.setattr(select, "select_k", functools.partial(select.select_k, params=FAST))
    chart = tmp_path / "k.html"
    result = CliRunner().invoke(main, ["select-k", "--labels", str(labels), "--k", "8,9",
                                       "--seeds", "2", "--chart", str(chart)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["k", "free", "c_v", "c_npmi", "stability", "tied", "themes"]
    assert [line.split()[0] for line in lines[1:3]] == ["8", "9"]
    assert sum("<- chosen" in line for line in lines) == 1
    assert "train with: topics train --topics" in result.stderr
    page = chart.read_text(encoding="utf-8")
    assert "stability (2 seeds)" in page  # the seeds asked for, in the legend
    assert page.count("<polyline") == 4 and "http" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_select_k_refuses_a_chart_it_cannot_write_before_the_work(tmp_path, monkeypatch):
    import topics.topic.select as select

    def never(*_args, **_kwargs):
        raise AssertionError("the topic models were fitted")

    monkeypatch.setattr(select, "select_k", never)
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps({"text": t, "label": y}, ensure_ascii=False) + "\n"
                              for t, y in TINY), encoding="utf-8")
    chart = tmp_path / "missing" / "k.html"
    result = CliRunner().invoke(main, ["select-k", "--labels", str(labels), "--k", "8,9",
                                       "--chart", str(chart)])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines()[-1] == f"Error: cannot write {chart}: no such folder"


@pytest.mark.parametrize(("ks", "message"), [("x", "give a range"), ("1-3", "from 2 to 200"),
                                             ("9-8", "1 to 40 values")])
def test_select_k_refuses_a_bad_range(ks, message):
    result = CliRunner().invoke(main, ["select-k", "--k", ks])
    assert result.exit_code == 2 and message in result.output


def test_select_k_refuses_ks_below_the_tied_topics(tmp_path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps({"text": t, "label": y}, ensure_ascii=False) + "\n"
                              for t, y in TINY), encoding="utf-8")
    result = CliRunner().invoke(main, ["select-k", "--labels", str(labels), "--k", "3,4"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: every k asked for (3, 4) is smaller than the 8 themes with cue words, "
        "which each get a topic")
