"""Many small reports labelled together give what each labelled alone gives."""

import dataclasses

import numpy as np
import pytest

from topics import config
from topics.classify.context import VIEWS, ContextModel
from topics.errors import InputError
from topics.pipeline.inputs import load_input
from topics.pipeline.label import label_files_in_turn, label_or_error
from topics.render.outputs import renderer


@pytest.fixture(scope="module")
def model(tiny_model):
    """The tiny model with a second stage that reads the context (the tiny one does not)."""
    classes = list(tiny_model.classifier.classes_)
    rng = np.random.default_rng(0)
    arrays = {"weights": rng.uniform(0.2, 1.0, len(VIEWS)),
              "bias": rng.normal(0, 0.3, len(classes)), "alone_weights": np.array([0.7]),
              "alone_bias": rng.normal(0, 0.3, len(classes))}
    context = ContextModel({"classes": classes, "threshold": 0.3}, arrays)
    return dataclasses.replace(tiny_model, context=context)


@pytest.fixture
def report_files(tmp_path, write_jsonl):
    """Seeds, short reports, an empty and a broken one, units of two reports in .jsonl."""
    paths = [str(p) for p in config.seed_paths()]
    for number, text in enumerate(["一、加强政治建设\n坚持党的绝对领导。深入学习贯彻。",
                                   "严格执行三个规定。", "", "开展警示教育，筑牢廉洁防线。"]):
        path = tmp_path / f"short-{number}.txt"
        path.write_text(text, encoding="utf-8")
        paths.insert(2 * number, str(path))
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip")
    units = write_jsonl("units.jsonl", [{"text": "严格执行三个规定。", "report": "a"},
                                        {"text": "开展警示教育。", "report": "b"}])
    return [*paths[:3], str(broken), InputError("gone.txt: not found"), *paths[3:],
            str(units)]


@pytest.mark.parametrize("fmt", ["jsonl", "explained jsonl", "csv", "table", None])
@pytest.mark.parametrize("batch_units", [1, 40, 4096])
def test_reports_labelled_together_equal_each_alone(model, report_files, fmt,
                                                   batch_units, monkeypatch):
    """Outcomes as each report alone gives them: rendered, or results (evidence, topics)."""
    monkeypatch.setattr("topics.pipeline.model.BATCH_UNITS", 64)  # batches inside a seed too
    render = (renderer(fmt.split()[-1], model.taxonomy, explain=fmt.startswith("explained"))
              if fmt else None)
    together = list(label_files_in_turn(model, report_files, None, 10 ** 7, render,
                                        batch_units=batch_units))
    alone = [label_or_error(model, item, None, 10 ** 7, render) for item in report_files]
    assert len(together) == len(alone) == len(report_files)
    errors = [str(a) for a in alone if isinstance(a, InputError)]
    assert len(errors) == 3  # the empty, the broken and the missing file
    assert [str(t) for t in together if isinstance(t, InputError)] == errors
    assert [t for t in together if not isinstance(t, InputError)] == \
           [a for a in alone if not isinstance(a, InputError)]


def test_first_stage_scores_do_not_depend_on_the_batch(model, monkeypatch):
    """label_units_many reads units of several reports in one batch, each in context."""
    inputs = [load_input(str(p)) for p in config.seed_paths()]
    alone = [model.predict_units(x.units, x.in_context) for x in inputs]
    for batch_units in (4096, 37):
        monkeypatch.setattr("topics.pipeline.model.BATCH_UNITS", batch_units)
        together = [labelled.columns for labelled in model.label_units_many(
            [(x.units, None, x.in_context) for x in inputs] + [([], None, True)],
            n_evidence=None, topics=False)]
        assert len(together) == len(inputs) + 1 and together[-1].themes == []
        for one, many in zip(alone, together, strict=False):
            assert np.array_equal(one.probabilities, many.probabilities)
            assert (one.themes, one.confidences) == (many.themes, many.confidences)


def test_a_renderer_without_many_renders_report_by_report(model, report_files):
    """``many`` is optional: a renderer with ``__call__`` alone gives the same outcomes."""
    render = renderer("jsonl", model.taxonomy)

    class OneByOne:
        explain = False

        def __call__(self, report, labelled):
            calls.append(report)
            return render(report, labelled)

    calls = []
    shown = lambda outcomes: [str(x) if isinstance(x, InputError) else x  # noqa: E731
                              for x in outcomes]
    alone = shown(label_files_in_turn(model, report_files, None, 10 ** 7, OneByOne()))
    assert shown(label_files_in_turn(model, report_files, None, 10 ** 7, render)) == alone
    assert len(calls) == sum(not isinstance(a, str) for a in alone) > 1
