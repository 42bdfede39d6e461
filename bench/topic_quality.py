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
from topics.topic.corpus import paragraphs, windows
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

- **Diagnosis (session 23, on the current data: 872 labelled documents, 768 written).** The
  held-out deficit is almost all topics scored 0: gensim gives NaN (counted 0) to a topic
  whose top ten holds a word the 99 development documents never use. Per seed (previous
  default, held-out models, seeds 0-3), 1-2 of the 9 topics were 0 in every seed: the
  performance topic in all four (受理, a performance cue word, in its top ten; the development
  documents never say 受理, their work reports being mostly opening parts), and one more topic
  through the epidemic and duty words of the written notices and care news: 疫情 in the reform
  or `other` topic, 疫情 防控 慰问 in management, 保密 涉密 in `other`. The other topics score
  0.24-0.58 (political highest, discipline lowest), about what plain gensim's do. 疫情 is in 81 of
  the 773 training documents, in 19 of 20 genres and all 32 written batches, so no document or
  genre count removes it; but its documents are all of 2020-2022 (one 2024): a word of one period.
- **What was tried** (a scratch harness in the ignored bench/out, not kept: filters there were
  applied to the tokens before fitting, the way the product now does; the rows on the product
  code are made again by bench/topics_settings.py and bench/topics_heldout_seeds.py. Held out =
  mean c_v over the development documents of models fitted without them, seeds 0-3, and where
  marked 0-6; seed sentences = mean of seeds 0-2; plain = 0.322, 4 seeds, k = 9; 0.301 for k =
  10 and k = 8):

  | setting | held out | seed sentences |
  |---|---:|---:|
  | previous default | 0.292 (7 seeds 0.298) | 0.551 |
  | a free topic seeded with epidemic/duty words (k = 10; it scores 0 itself) | 0.310 | 0.537 |
  | the same instead of the free topic (k = 9) | 0.310 | 0.548 |
  | 0 / 2 free topics | 0.290 / 0.283 | 0.561 / 0.547 |
  | seed strength 1 / 0.25 | 0.300 / 0.272 | 0.508 / 0.548 |
  | words of >= 40 whole documents and >= 12 of 20 genres | 0.320 | 0.494 |
  | words of >= 12 genres (60%) | 0.330 (7 seeds 0.320) | 0.548 |
  | the same, filtered after the collocations instead of before | 0.312 | 0.498 |
  | words of >= 15 genres | 0.310 | 0.516 |
  | non-cue words of >= 5 years only | 0.314 | 0.564 |
  | >= 60% of the genres and non-cue words of >= 4 years | 0.330 | 0.516 |
  | >= 60% of the genres and non-cue words of >= 5 years | 0.333 (7 seeds 0.338) | 0.519 |
  | the same, >= 6 years (7 themes own a topic) | 0.346 (7 seeds 0.327) | 0.545 |

- **More, on the product code** (held out over 7 seeds, 0-6, minus plain gensim of the same k
  over the same 7 seeds: k = 9 plain 0.326, k = 8 plain 0.322; seed sentences: seeds 0-2, or
  seed 0 where marked):

  | setting | k | held out | minus plain | seed sentences |
  |---|---:|---:|---:|---:|
  | previous default (no filter, 1 free topic) | 9 | 0.298 | -0.028 | 0.551 |
  | genres >= 60% and years >= 5, 1 free topic | 9 | 0.338 | +0.012 | 0.519 |
  | years >= 5, 1 free topic | 9 | 0.345 | +0.019 | 0.553 (seed 0) |
  | genres >= 60% and years >= 5, 0 free topics | 8 | 0.322 | +0.000 | 0.534 (seed 0) |
  | **years >= 5, 0 free topics (the default)** | 8 | 0.362 | **+0.040** | 0.555 |

  With one free topic, that topic gathers 防控 (absent from the development documents, so it
  scores 0); with none, the epidemic and duty words spread thinly over the tied topics. A
  settings table of 12 rows around the k = 9 genre-and-year setting (bench/topics_settings.py
  with that as the default, 4 seeds) gave, held out / seed sentences (seed 0), each with
  genres >= 60%, years >= 5 and one free topic unless it says otherwise: that setting 0.333 /
  0.519, genres >= 50% 0.331 / 0.529, >= 70% 0.326 / 0.492, years >= 4 0.299 / 0.476, years >= 6
  0.327 / 0.514, 2 free topics (k = 10) 0.321 / 0.510, seed strength 1 0.358 / 0.506, no
  scaffolding stop words 0.322 / 0.526. Seed strength 1 was the best held out there; it was
  not tried with the final default (no time left): a lead for the next session.
- **The rule** (stated after the harness runs, before the final runs): among settings that keep
  8 themes owning a topic, the tied topics owned by their theme, c_v over the seed sentences
  >= 0.50 (its target) and tied stability >= 0.7, the highest held-out c_v minus plain of the
  same k (mean of 7 seeds of both), since held out is the target that is not met and the proxy
  for the hidden real texts; seed-sentence c_v only as the bound. Chosen: words that seed no
  theme of >= 5 years, no genre filter, no free topic (k = 8). It is also the best on the
  equal-weight sum of both measures (0.362 + 0.555), so the choice does not hang on the
  weighting. select-k's own rule (seed sentences only) picks k = 8 as well.
- **Not met, by a little: held out is +0.04 above plain, under +0.05** (7-seed means; per-seed
  spread about 0.03-0.05). `python bench/topics_heldout_seeds.py`, final run: ours 0.315 0.423
  0.383 0.299 0.385 0.364 0.366, plain 0.316 0.326 0.257 0.304 0.323 0.378 0.354, mean
  difference +0.040 (previous default -0.029); with topics holding a word absent from the
  development documents left out instead of counted 0, -0.001 (previous default -0.021): the
  gain is in fewer zeroed topics, not in more coherent ones. Seed 0 alone (the targets table)
  is one of the weak seeds: -0.001. Stability of the tied topics across five seeds fell to
  0.73 (per seed 0.64-0.79; target 0.7) from 0.80, as the epidemic and duty words, with no free
  topic to hold them, move between tied topics from seed to seed. What is
  left is mostly 受理 in the performance topic (every seed) and now and then 防控, 保密 or
  涉密, which the development documents never use; dropping them would need a rule read off the
  development set itself, which the brief forbids. They are ordinary words of real work
  reports, news and notices; whether the hidden real texts hold them is not known here.
- **Session 24: the topic model learns from whole paragraphs (new default).** Every setting
  below was first tried on windows of 5 units, the default then; only the last idea of the
  brief, documents that are the writer's own paragraphs (units joined by paragraph number,
  windows of 5 units for a document without paragraphs; 16,265 short documents instead of
  5,324 windows), beat it, and by far. On the product code
  (`ThemeTopicModel` settings; scratch harness in the ignored bench/out, the main rows made
  again by bench/topics_settings.py above). Held out = mean c_v over the development documents
  of models fitted without them, seeds 0-6, NaN counted 0, minus plain k = 8 over the same
  seeds (0.322); "present" = topics with a word absent from the development documents left
  out, minus plain (0.431); zeroed = such topics over the 7 seeds; seed sentences = seed 0;
  tied stability = top-10 overlap of the tied topics, seed 0 against seeds 1-4 (bound 0.7);
  s = fit CPU s of one held-out fit while two jobs shared the 2 cores; "themeless" = words
  whose largest lift over the labelled sentences' theme shares is < 2.0 (38 words) or < 2.3
  (72), in >= 30 sentences (队伍 最高人民检察院 意见 领导 办公室 检察官助理 ...); "most
  coherent" = mean c_v over the fit's own training windows; "0.3, ..." = seed strength 0.3:

  | setting | held | - plain | present - plain | zeroed | seed sent. | tied stab. | s |
  |---|---:|---:|---:|---:|---:|---:|---:|
  | **paragraphs (the default now)** | 0.401 | **+0.078** | +0.036 | 8 | 0.573 | 0.75 | 7.4 |
  | windows of 5 units, seed strength 0.5 | 0.362 | +0.040 | -0.001 | 9 | 0.555 | 0.73 | 5.4 |
  | seed strength 1 | 0.352 | +0.030 | -0.029 | 7 | 0.531 |  | 5.8 |
  | seed strength 0.75 | 0.356 | +0.033 | -0.016 | 8 | 0.537 |  | 5.8 |
  | seed strength 0.4 | 0.362 | +0.039 | -0.002 | 9 | 0.550 |  | 4.9 |
  | seed strength 0.35 | 0.371 | +0.048 | -0.001 | 8 | 0.542 | 0.63 | 5.3 |
  | seed strength 0.3 | 0.371 | +0.049 | -0.000 | 8 | 0.544 | 0.61 | 5.5 |
  | seed strength 0.25 | 0.385 | +0.062 | +0.007 | 7 | 0.535 | 0.56 | 4.9 |
  | seed strength 0.15 (7 themes) | 0.337 | +0.015 | -0.002 | 12 | 0.482 |  | 6.0 |
  | eta_base 0.05 or 0.02 | 0.363 | +0.041 | +0.000 | 9 | 0.555 |  | 6.1 |
  | alpha auto | 0.363 | +0.041 | +0.000 | 9 | 0.555 |  | 5.0 |
  | alpha asymmetric | 0.339 | +0.017 | -0.009 | 11 | 0.537 |  | 5.7 |
  | 10 passes, not 4 | 0.355 | +0.032 | +0.000 | 10 | 0.578 |  | 10.7 |
  | no_above 0.2 or 0.5 | 0.362 | +0.040 | -0.001 | 9 | 0.555 |  | 5.7 |
  | no_below 5 | 0.337 | +0.015 | -0.003 | 12 | 0.549 |  | 5.7 |
  | no_below 20 | 0.335 | +0.012 | -0.040 | 8 | 0.564 |  | 4.9 |
  | windows of 3 units | 0.331 | +0.009 | -0.027 | 10 | 0.600 |  | 5.7 |
  | windows of 8 units | 0.302 | -0.020 | -0.019 | 15 | 0.486 |  | 6.1 |
  | windows of 12 units | 0.307 | -0.015 | -0.003 | 16 | 0.548 |  | 5.2 |
  | stop list + 38 themeless | 0.352 | +0.029 | -0.003 | 10 | 0.568 |  | 6.1 |
  | stop list + 72 themeless | 0.332 | +0.009 | -0.018 | 11 | 0.592 |  | 6.2 |
  | most coherent of 2 fits | 0.345 | +0.022 | +0.007 | 12 | 0.555 |  | 8.8 |
  | most coherent of 3 fits | 0.352 | +0.029 | +0.006 | 11 | 0.555 |  | 13.0 |
  | 0.3, most coherent of 3 | 0.370 | +0.048 | +0.029 | 11 | 0.576 | 0.64 | 14.5 |
  | mean of 3 fits | 0.331 | +0.008 | -0.029 | 10 | 0.587 | 0.82 | 13.8 |
  | 0.3, mean of 3 fits | 0.352 | +0.029 | -0.012 | 9 | 0.604 | 0.75 | 14.6 |
  | 0.25, mean of 3 fits | 0.350 | +0.027 | -0.005 | 10 | 0.578 | 0.72 | 15.0 |

  Screened on seeds 0-3 only (default 0.355, plain 0.301): no collocations 0.326, collocations
  at npmi >= 0.8 0.353, no_below 15 0.314, 50 iterations instead of 200 0.349, 2 passes
  (document_visits 10000) 0.348: none better. Rows of the previous settings table dropped
  from it this session (4 seeds, k = 8 unless marked; plain k = 8 0.316, k = 9 0.372): genres
  >= 60% and years >= 5 with 1 free topic 0.333, without 0.340; no year filter 0.290; years
  >= 4 0.328; years >= 6 0.300.

  On windows, a weaker cue prior is the one setting that raised held out: under 0.4 the
  performance topic sometimes loses 受理 from its top ten (fewer zeroed topics; present-topic
  coherence stays level with plain), but the tied topics then wander between seeds (stability
  0.56-0.63 at 0.25-0.35, under the 0.7 bound), so by the rule none of them is chosen. Averaging
  3 fits steadies them (0.72-0.82) and gives the best seed-sentence c_v (0.60) but loses the
  held-out gain (the averaged topics keep the words every fit shares, 防控 among them), at 3x the
  fit cost (~14 CPU s, over the ~7 s first-use budget). Keeping the fit most coherent on its own
  training documents helps present-topic coherence a little (+0.006 to +0.029) but zeroes more
  topics: over 14 seeds of the default, a fit's c_v over its training windows and its held-out
  c_v correlate only r = 0.49. More passes, eta, alpha, the document-frequency filters, other
  window sizes and a longer stop list all score lower held out or no different; windows of 3 and
  the longer stop list raise seed-sentence c_v (0.59-0.60) while lowering held out. Paragraphs
  are shorter still than windows of 3 (16,265 documents against 5,324 windows of 5), so length
  alone does not explain the gain; presumably it is where they cut: a window runs across the
  writer's paragraph breaks, mixing the end of one subject with the start of the next, while a
  paragraph mostly holds one (not tested further). Rows after the first two are on windows of 5
  units (not run again on paragraphs: no time left).
- **Met on the development documents: held out +0.078 above plain (7 seeds), +0.087 over
  14.** With windows of 5 units the default was +0.040 over seeds 0-6 but only +0.009
  over seeds 7-13 (0.314 vs plain 0.305; +0.024 over 14 seeds): seeds 0-6 were a kind
  draw for windows, and any setting's 7-seed mean carries about +-0.02 (seed strength
  0.3, +0.049 on seeds 0-6, scored +0.006 on seeds 7-13). Paragraphs hold up: 0.401 over
  seeds 0-6, 0.400 over seeds 7-13 (plain 0.305; +0.095), 8 and 9 zeroed topics in those
  7 seeds (windows: 9), but the topics that are scored are more coherent than plain's
  (+0.036 with absent-word topics left out; windows: -0.001): the first setting that is
  ahead on both readings. Seed-sentence c_v 0.573, tied stability 0.75 (per seed 0.76
  0.74 0.78 0.71), 8 themes own a topic, tied topics by their own theme. The hidden real
  texts may hold other absent words (one topic in most seeds still holds a word the
  development documents never use), so the margin there is not known; it is wider here
  than the seed-to-seed spread. Final run (`python bench/topics_heldout_seeds.py`): ours
  0.419 0.410 0.406 0.438 0.322 0.380 0.431, plain 0.316 0.326 0.257 0.304 0.323 0.378
  0.354: +0.078; absent-word topics left out: ours 0.479 0.469 0.464 0.501 0.429 0.435
  0.493, plain 0.422 0.435 0.343 0.487 0.431 0.432 0.472: +0.036. Fit cost: 16,265
  documents, 2 passes (document_visits 18,000; windows: 5,324 and 4), 7.4 CPU s for the
  first fit of the targets table's run and 5.6 s the mean of select-k's five k = 8 fits
  in the same run, while three jobs shared the 2 cores (windows: 4.4-5.4 s): within the
  ~7 s first-use budget, about 1 s more than windows. Left as it was: the `other` topic
  now reads as political vocabulary (教育 学习 队伍 ... 社会主义 政治) and the discipline topic
  holds 防控 and 林区 in seed 0; 8 themes still own their topics.
- Earlier sessions: the scaffolding stop words (代表 主任 会议 审议 请予审议 如下 现将 附件 谢谢
  本报 本报讯 本报记者 编者按 图为) name no subject; symmetric alpha, one free topic, cue
  strength 0.5 and collocations at npmi >= 0.9 were chosen on the data of that time (4,657
  documents). Held-out c_v is measured on 99 documents: a topic word they never hold gives
  gensim NaN, counted as 0 in the first reading and left out in the second.
- Fit CPU seconds are `time.process_time()` of one fit in this process (segmenting, both
  corpus passes, collocations, LDA, coherence), measured while other work shared the machine.
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

    def documents(self, window: int | None = None, authored: bool = True) -> list[list[str]]:
        return [d for d, _, _ in self.tagged(window, authored)]

    def tagged(self, window: int | None = None, authored: bool = True
               ) -> list[tuple[list[str], str | None, int | None]]:
        """``(tokens, genre, year)`` of every document, as training gives them to the topic
        model: paragraphs (``window`` None), or windows of ``window`` units."""
        out = [(d, None, None) for d in self.lone] if authored else []
        for doc, units in zip(self.data.documents, self.units, strict=True):
            genre = doc.genre or doc.corpus or "reports"
            parts = (windows(units, window) if window else
                     paragraphs(units, [u.paragraph for u in doc.units]))
            out.extend((w, genre, doc.year) for w in parts)
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
    window, authored = setting.pop("window", None), setting.pop("authored", True)
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
            f"Default settings: {n_docs} documents (the paragraphs of every shipped "
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
