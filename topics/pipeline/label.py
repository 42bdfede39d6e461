"""Label one input: read it, split it into units, label them, then render them if asked.

The renderer is handed in (``render``): this module imports no output format. Labelling a
unit does not depend on the other units of its batch, so a report labelled here, in a
worker process or on a Dask worker gives the same bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from ..config import N_EVIDENCE
from ..errors import InputError, failed, outcome
from .inputs import InputUnits, load_input
from .model import BATCH_UNITS, LabelledUnits, ThemeModel, UnitResult


class Render(Protocol):
    """What labelling asks of a renderer (``topics.render.outputs.Renderer`` is one).

    A renderer may also have ``many(reports, labelled)``: the output text of each of several
    reports at once, as ``__call__`` gives it one by one (see :func:`_texts`).
    """

    explain: bool  # whether the output shows evidence and topics, so they must be computed

    def __call__(self, report: str, labelled: LabelledUnits) -> str:
        """The output text of one report's labelled units."""


@dataclass(frozen=True)
class Rendered:
    """A labelled report rendered by a ``Renderer``: UTF-8 and unit count.

    Bytes, not text: they cross from a worker process to the writer unchanged.
    """

    data: bytes
    units: int
    counts: dict[str, int] | None = None  # units per theme, for a batch's overall profile

    def __len__(self) -> int:
        """The number of units, as for a list of results."""
        return self.units


Outcome = tuple[str, list[UnitResult] | Rendered] | InputError


def _utf8(text: str) -> bytes:
    """UTF-8; a lone surrogate (of a file name that is not UTF-8) as a backslash escape."""
    return text.encode("utf-8", "backslashreplace")


def _texts(render: Render, reports: list[str], labelled: list[LabelledUnits]) -> list[str]:
    """The output text of each report: its renderer's ``many`` if it has one, else one by one."""
    many = getattr(render, "many", None)
    return many(reports, labelled) if many is not None else list(map(render, reports, labelled))


def label_input(model: ThemeModel, loaded: InputUnits, render: Render | None = None
                ) -> tuple[str, list[UnitResult] | Rendered]:
    """Label the units of one input (then ``render`` them).

    Evidence and topics are computed unless ``render`` is given and does not show them.
    """
    return _label_loaded(model, [loaded], render)[0]


def _label_loaded(model: ThemeModel, loaded: list[InputUnits], render: Render | None
                  ) -> list[tuple[str, list[UnitResult] | Rendered]]:
    """:func:`label_input` of each input, labelled together (``label_units_many``)."""
    explain = render is None or render.explain
    labelled = model.label_units_many([(x.units, x.ids, x.in_context) for x in loaded],
                                      n_evidence=N_EVIDENCE if explain else None,
                                      topics=explain)
    if render is None:
        return [(x.name, done.results()) for x, done in zip(loaded, labelled, strict=True)]
    texts = _texts(render, [x.name for x in loaded], labelled)
    return [(x.name, Rendered(_utf8(text), len(done), dict(Counter(done.columns.themes))))
            for x, done, text in zip(loaded, labelled, texts, strict=True)]


def label_file(model: ThemeModel, path: str, encoding: str | None, max_bytes: int,
               render: Render | None = None) -> tuple[str, list[UnitResult] | Rendered]:
    """Read one report (or ``.jsonl`` of units) and label its units (then ``render`` them)."""
    return label_input(model, load_input(path, encoding, max_bytes), render)


def label_or_error(model: ThemeModel, item, encoding: str | None, max_bytes: int,
             render: Render | None) -> Outcome:
    """:func:`label_file`, with an unreadable file (or an ``InputError`` item) as a value."""
    return item if failed(item) else outcome(label_file, model, item, encoding, max_bytes,
                                             render)


def label_files_in_turn(model: ThemeModel, items: Iterable, encoding: str | None,
                        max_bytes: int, render: Render | None = None,
                        batch_units: int = BATCH_UNITS) -> Iterator[Outcome]:
    """:func:`label_or_error` of each item, in order, small reports labelled together.

    Reports are read until they hold ``batch_units`` units (or the items end), then
    labelled as one call of ``ThemeModel.label_units_many``: a report of a few dozen
    units does not pay the first stage's fixed costs alone. The outcomes are
    :func:`label_or_error`'s, byte for byte (tested); memory stays bounded by the batch and
    its largest report.
    """
    pending: list[InputUnits | InputError] = []
    units = 0
    for item in items:
        loaded = item if failed(item) else outcome(load_input, item, encoding, max_bytes)
        pending.append(loaded)
        if not failed(loaded):
            units += len(loaded.units)
            if units >= batch_units:
                yield from _labelled_in_order(model, pending, render)
                pending, units = [], 0
    yield from _labelled_in_order(model, pending, render)


def _labelled_in_order(model: ThemeModel, pending: list[InputUnits | InputError],
                       render: Render | None) -> Iterator[Outcome]:
    """The outcomes of inputs read (errors pass through), the readable labelled together."""
    done = iter(_label_loaded(model, [x for x in pending if not failed(x)], render))
    for x in pending:
        yield x if failed(x) else next(done)
