"""The topic model measured: settings, the issue-17 targets, five seeds and the choice of k.

Writes ``bench/TOPICS.md`` (and the select-k chart ``bench/topics_k.html``)::

    python bench/topics_settings.py   # the settings table, both measures (bench/topics_settings.md)
    python bench/topic_quality.py            # the targets and the choice of k; puts the table in

Terms:

- *seed sentences*: every shipped hand-labelled sentence (seed reports' labels, authored
  examples, the units of ``labels/documents``), each segmented alone: what the topic model used
  to learn from, and the texts its coherence is measured over.
- *c_v*: gensim ``CoherenceModel`` (``c_v``, top 10 words, boolean sliding window 110) over the
  texts named, each tokenised as the model tokenises (its stop words and joined collocations).
- *held out*: the 99 development documents (``labels/documents/devset``), whole, metadata
  lines stripped. Models for this row are fitted without them.
- *plain*: gensim ``LdaModel`` with the same k, no seeding, 10 passes, seed 0, trained on the
  seed sentences (held-out ones excluded) with the same stop words (the classifier's and the
  topic model's lists), no collocations, no frequency filter.
- *themes owning a topic*, *stability*: see ``topics/topic/select.py``.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import numpy as np
from common import HERE, machine, shipped_data

from topics import config
from topics.labelled_docs import strip_metadata
from topics.text.segment import Segmenter, is_noise, load_stopwords
from topics.text.sentences import split_units
from topics.topic.corpus import windows
from topics.topic.estimator import ThemeTopicModel
from topics.topic.select import (
    chart_html,
    coherence,
    score_models,
    select_k,
    theme_owners,
    tied_overlap,
    top_word_lists,
)
from topics.topic.vocabulary import load_topic_stopwords
from topics.train import _segmented

KS = [8, 9, 10, 11, 12, 14]
#: How the defaults were chosen and what is left (kept with the tables it reads).
NOTES = """## How the defaults were chosen, and what is not met

- Diagnosis (the branch's previous default, k = 11, c_v per topic over the seed sentences):
  the `other` topic (代表 主任 会议 如下 现将 图为 本报记者 审议 请予审议 附件: formulas and
  bylines of other genres, 0.344) and management (0.379), performance (0.401), discipline
  (0.436), a free topic (办案 案件 办理 管理 案例 ..., 0.430) pulled the mean (0.466) down;
  political (0.546), culture (0.576), reform (0.507), two free topics (0.52-0.54) held it up.
- Scaffolding: report formulas and news bylines (代表 主任 会议 审议 请予审议 如下 现将 附件
  谢谢 本报 本报讯 本报记者 编者按 图为) are now topic stop words. They name no subject; the
  `other` theme's cue words are mostly such formulas, so its topic now gathers everyday case
  work (案件 办理 办案 ...); the owner measure still gives it to `other` (its cues 下一步 and
  the like are over-represented there). Left in, the formulas become the `other` topic's top
  words, most of them absent from the held-out documents (NaN, counted 0).
- The rule: a setting must keep 8 themes owning a topic and the tied topics owned by their
  own theme; among those, the highest sum of c_v over the seed sentences and held-out c_v
  (NaN counted as 0, mean of 4 seeds), so the held-out measure weighs as much as the seed one
  (held out spreads 0.05-0.1 across seeds; a difference under 0.02 in one row is noise). The
  settings table measures each change from the chosen default; the search went one change at
  a time from the previous default, then combined the ones that gained on both measures:
  symmetric alpha (+0.02 seed), one free topic (+0.01 seed; 3 free topics mixed
  办案/案件/教育/学习), the scaffolding stop words, cue strength 0.5 (with the others; alone it
  lost on held-out) and collocations at npmi >= 0.9 (fewer rare joined tokens: held out
  +0.03). The default's sum is 0.932; the next are 'auto' alpha 0.911 and twice the passes
  0.910 (slower). Tried the same way on the way there but not kept in the table: `no_below`
  15 and 30, eta off the cue words 0.01 and 0.05 (top words unchanged), each no better.
- Free topics: 1 (k = 9, `--topics 9`, config.N_TOPICS). select-k's rule reads the seed
  sentences only and picks k = 8 (c_v 0.509 against 0.504); held out, 0 free topics (k = 8)
  scores 0.380 against 0.428 for k = 9 (settings table), and 3 free topics (k = 11) 0.347,
  so k = 9 is kept. Stability of the tied topics across seeds fell from 0.89 to 0.77 with
  the weaker cue prior (cue strength 1: held out 0.414, seed sentences 0.475).
- Not met, or met by a hair: c_v over the seed sentences is 0.504, within the spread of
  seeds. Held out, NaN counted as 0, ours is +0.09 to +0.10 above plain (this run, and the
  4-seed mean of the settings table). With topics holding an absent word left out the
  margin is under +0.05: +0.000 in this run (ours over 9 topics, plain over its 7 whose words
  all occur) and +0.031 as a 4-seed mean; the previous default gives +0.015 with the same stop
  words (plain also drops the scaffolding words, which lifts it). Nothing tried got that
  reading to +0.05 without losing the other (settings table).
- Held-out c_v is measured on 99 documents: a topic word they never hold gives gensim NaN,
  counted as 0 in the first row and left out in the second.
- Fit CPU seconds are `time.process_time()` of one fit in this process (segmenting, both
  corpus passes, collocations, LDA, coherence), measured while other work shared the machine
  (the default: 4.4 s to 7.1 s across runs, 5.7 s in the settings run).
"""


class Corpus:
    """The shipped data segmented once: documents' units, lone sentences, seed sentences."""

    def __init__(self, held_out: bool = False):
        taxonomy, data = shipped_data()
        if held_out:
            keep = [d for d in data.documents if d.corpus != "devset"]
            data = replace(data, documents=keep, sentences=[
                s for s in data.sentences if not s.group.startswith("devset/")])
        self.taxonomy, self.data = taxonomy, data
        self.segmenter = Segmenter()
        in_documents = {d.name for d in data.documents}
        self.lone = list(_segmented(list(dict.fromkeys(
            s.text for s in data.sentences if s.group not in in_documents)), self.segmenter))
        self.units = [self.segmenter.content_tokens_many([u.text for u in d.units])
                      for d in data.documents]
        self.sentences = list(_segmented(list(dict.fromkeys(s.text for s in data.sentences)),
                                         self.segmenter))

    def documents(self, window: int = 5, authored: bool = True) -> list[list[str]]:
        return [d for d, _, _ in self.tagged(window, authored)]

    def tagged(self, window: int = 5, authored: bool = True
               ) -> list[tuple[list[str], str | None, int | None]]:
        """``(tokens, genre, year)`` of every document, as training gives them to the topic
        model."""
        out = [(d, None, None) for d in self.lone] if authored else []
        for doc, units in zip(self.data.documents, self.units, strict=True):
            genre = doc.genre or doc.corpus or "reports"
            out.extend((w, genre, doc.year) for w in windows(units, window))
        return out


def held_out_texts(segmenter: Segmenter) -> list[list[str]]:
    """The development documents, each one token list (content tokens of its units)."""
    folder = next(docs for docs, _ in config.document_sets() if docs.parent.name == "devset")
    out = []
    for path in sorted(folder.glob("*.txt")):
        units = split_units(strip_metadata(path.read_text(encoding="utf-8")), path.name)
        out.append([t for tokens in segmenter.content_tokens_many([u.text for u in units])
                    for t in tokens])
    return out


def fit(corpus: Corpus, setting: dict, seed: int = 0):
    setting = dict(setting)
    window, authored = setting.pop("window", 5), setting.pop("authored", True)
    tagged = corpus.tagged(window, authored)
    started = time.process_time()
    model = ThemeTopicModel(taxonomy=corpus.taxonomy, random_state=seed, **setting)
    model.fit([d for d, _, _ in tagged], genres=[g for _, g, _ in tagged],
              years=[y for _, _, y in tagged])
    return model, time.process_time() - started, len(tagged)


def c_v(model, texts) -> float:
    inference = model.inference_
    return float(np.mean(coherence(top_word_lists(inference),
                                   inference.vocabulary_.prepare_many(texts))))


def c_v_present(words: list[list[str]], texts: list[list[str]]) -> tuple[float, int]:
    """Mean c_v over the topics whose ten words all occur in ``texts``; how many do not.

    gensim gives NaN for a topic with a word the texts never hold; :func:`coherence` counts
    it as 0, which punishes words the held-out texts lack. This is the other reading.
    """
    present = {t for d in texts for t in d}
    kept = [w for w in words if set(w) <= present]
    return (float(np.mean(coherence(kept, texts))) if kept else float("nan"),
            len(words) - len(kept))


def aligned(model, taxonomy) -> tuple[int, int]:
    """Themes owning a topic; tied topics owned by their own theme."""
    owners = theme_owners(model.inference_, taxonomy)
    tied = model.topic_themes_
    return (len({o for o in owners if o}),
            sum(o == t for o, t in zip(owners, tied, strict=True) if t))


def _mean_count(corpus: Corpus) -> float:
    """The mean word count the fit scales the prior by, on the old documents and vocabulary.

    The old prior was ``2 x cue weight`` pseudo-counts; dividing 2 by this gives it exactly.
    """
    from gensim.corpora import Dictionary

    dictionary = Dictionary(corpus.sentences)
    num_pos = dictionary.num_pos
    dictionary.filter_extremes(no_below=2, no_above=0.3, keep_n=None)
    return num_pos / len(dictionary)


def plain_lda(texts: list[list[str]], k: int, seed: int = 0):
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    stop = load_topic_stopwords()
    texts = [[t for t in d if t not in stop] for d in texts]
    texts = [d for d in texts if d]
    dictionary = Dictionary(texts)
    lda = LdaModel([dictionary.doc2bow(d) for d in texts], num_topics=k, id2word=dictionary,
                   passes=10, random_state=seed)
    return [[w for w, _ in lda.show_topic(t, 10)] for t in range(k)]


def bad_words(model) -> list[str]:
    """Top-10 words that are stop words, officialese (both lists) or placeholders."""
    stop = load_stopwords() | load_topic_stopwords()
    return [w for words in top_word_lists(model.inference_) for w in words
            if w in stop or is_noise(w)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    started = time.monotonic()
    corpus = Corpus()
    out = ["# The topic model measured (issue 17)", "",
           f"Machine: {machine(('gensim', 'numpy', 'scipy'))}.", "",
           "Made by `python bench/topic_quality.py`; terms (seed sentences, c_v, held out, plain, "
           "themes owning a topic, stability) are defined in the script's docstring.", ""]

    # the targets, default settings
    model, seconds, n_docs = fit(corpus, {})
    k = model.inference_.n_topics
    old, old_seconds, _ = fit(corpus, {"window": 1, "stop_words": (), "phrase_min_count": 0,
                                       "no_below": 2, "no_above": 0.3, "bar_free": False,
                                       "alpha": "asymmetric", "n_free_topics": 3,
                                       "seed_strength": 2.0 / _mean_count(corpus),
                                       "document_visits": 50_000})
    seeds = [model] + [fit(corpus, {}, seed)[0] for seed in range(1, 5)]
    owners = [theme_owners(m.inference_, corpus.taxonomy) for m in seeds]
    n_tied = sum(t is not None for t in model.topic_themes_)
    words = [top_word_lists(m.inference_) for m in seeds]
    tied = [tied_overlap(words[0], w, n_tied) for w in words[1:]]
    stability = score_models([m.inference_ for m in seeds], corpus.taxonomy, corpus.sentences)
    held = Corpus(held_out=True)
    held_model, _, _ = fit(held, {})
    devset = held_out_texts(corpus.segmenter)
    ours_held = c_v(held_model, devset)
    plain_words = plain_lda(held.sentences, k)
    plain_held = float(np.mean(coherence(plain_words, devset)))
    plain_seed = float(np.mean(coherence(plain_words, [
        [t for t in d if t not in load_topic_stopwords()] for d in corpus.sentences])))
    ours_present, ours_missing = c_v_present(
        top_word_lists(held_model.inference_),
        held_model.inference_.vocabulary_.prepare_many(devset))
    plain_present, plain_missing = c_v_present(plain_words, devset)
    owned, own = aligned(model, corpus.taxonomy)
    bad = bad_words(model)
    ours_seed = c_v(model, corpus.sentences)
    out += ["## The targets", "",
            "| measure | target | now | before (same run) |", "|---|---|---:|---:|",
            f"| c_v of the default model over the seed sentences | >= 0.50 | {ours_seed:.3f} | "
            f"{c_v(old, corpus.sentences):.3f} (old documents and vocabulary) |",
            f"| c_v on held-out documents, ours minus plain (same k = {k}) | >= +0.05 | "
            f"{ours_held - plain_held:+.3f} ({ours_held:.3f} vs {plain_held:.3f}) | |",
            f"| the same, topics with a word absent from the held-out texts left out (NaN in "
            f"gensim; counted as 0 above) | | {ours_present - plain_present:+.3f} "
            f"({ours_present:.3f} over {k - ours_missing} topics vs {plain_present:.3f} over "
            f"{k - plain_missing}) | |",
            f"| c_v over the seed sentences, plain (for reference) | | {plain_seed:.3f} | |",
            f"| stop words, officialese, placeholders in any top ten | 0 | {len(bad)} "
            f"{' '.join(bad[:10])} | |",
            f"| themes owning a topic | >= 7 of 8 | {owned} (tied topics owned by their "
            f"theme: {own} of {n_tied}) | |",
            f"| five seeds: same topic-theme alignment | yes | "
            f"{'yes' if all(o[:n_tied] == owners[0][:n_tied] for o in owners[1:]) else 'no'} | |",
            f"| five seeds: mean top-10 overlap of tied topics | >= 0.7 | "
            f"{np.mean(tied):.2f} (per seed: {', '.join(f'{t:.2f}' for t in tied)}) | |",
            f"| five seeds: mean best-match overlap, all topics | | {stability.stability:.2f} | |",
            f"| fit CPU seconds, first use (incl. coherence) | <= ~7 | {seconds:.1f} | "
            f"{old_seconds:.1f} |", "",
            f"Default settings: {n_docs} documents (windows of 5 units of every shipped "
            f"document, authored examples one each), {json.dumps(model.inference_.params)}; "
            f"{len(model.inference_.vocabulary_.phrases)} collocations, "
            f"{len(model.inference_.vocabulary_.stopwords)} topic stop words.", "",
            "Topics of the default model (theme tied / owner: top 10 words):", ""]
    for t, (theme, ws) in enumerate(zip(model.topic_themes_, words[0], strict=True)):
        out.append(f"- {t} {theme or 'free'} / {owners[0][t] or '-'}: {' '.join(ws)}")
    out += ["", "Plain model on the seed sentences (held-out excluded), top 10 words:", ""]
    out += [f"- {' '.join(ws)}" for ws in plain_words]
    print("\n".join(out), flush=True)

    tagged = corpus.tagged()
    chosen, scores = select_k([d for d, _, _ in tagged], corpus.taxonomy, KS,
                              genres=[g for _, g, _ in tagged], years=[y for _, _, y in tagged],
                              texts=corpus.sentences, progress=print)
    (HERE / "topics_k.html").write_text(chart_html(chosen, scores), encoding="utf-8")
    out += ["", "## Choosing k (`topics select-k`, here over the seed sentences)", "",
            "| k | free | c_v | c_npmi | stability | tied stability | themes owning a topic "
            "| same alignment | fit CPU s |", "|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    out += [f"| {s.k} | {s.n_free} | {s.c_v:.3f} | {s.c_npmi:.3f} | {s.stability:.2f} | "
            f"{s.tied_stability:.2f} | {s.themes_owned} | {'yes' if s.same_alignment else 'no'}"
            f" | {s.fit_seconds:.1f} |" for s in scores]
    out += ["", f"Chosen: k = {chosen.k}. Chart: `bench/topics_k.html`.", ""]
    settings = HERE / "topics_settings.md"
    if settings.exists():
        out += ["## Settings, one or two changes at a time from the default", "",  # see below
                settings.read_text(encoding="utf-8")]
    out += ["", NOTES, f"Whole run: {time.monotonic() - started:.0f} s.", ""]
    (HERE / "TOPICS.md").write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
