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

from ..errors import InputError
from .inputs import InputUnits, load_input
from .model import BATCH_UNITS, ThemeModel, UnitResult


class Render(Protocol):
    """What labelling asks of a renderer (``topics.render.outputs.Renderer`` is one)."""

    explain: bool  # whether the output shows evidence and topics, so they must be computed

    def from_columns(self, units: list, ids: list | None) -> bool:
        """Whether :meth:`columns` can write these units, with no result objects made."""

    def columns(self, units: list, columns) -> str:
        """The output text of one report's units from their prediction columns."""

    def __call__(self, report: str, results: list[UnitResult]) -> str:
        """The output text of one report's results."""


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


def label_input(model: ThemeModel, loaded: InputUnits, render: Render | None = None
                ) -> tuple[str, list[UnitResult] | Rendered]:
    """Label the units of one input (then ``render`` them).

    Evidence and topics are computed unless ``render`` is given and does not show them.
    """
    if render is not None and render.from_columns(loaded.units, loaded.ids):
        columns = model.predict_units(loaded.units, loaded.in_context)
        data = render.columns(loaded.units, columns)
        return loaded.name, Rendered(_utf8(data), len(loaded.units),
                                     dict(Counter(columns.themes)))
    explain = render is None or render.explain
    results = model.classify_units(loaded.units, loaded.ids, explain=explain,
                                   in_context=loaded.in_context)
    if render is None:
        return loaded.name, results
    return loaded.name, Rendered(_utf8(render(loaded.name, results)), len(results),
                                 dict(Counter(r.theme for r in results)))


def label_file(model: ThemeModel, path: str, encoding: str | None, max_bytes: int,
               render: Render | None = None) -> tuple[str, list[UnitResult] | Rendered]:
    """Read one report (or ``.jsonl`` of units) and label its units (then ``render`` them)."""
    return label_input(model, load_input(path, encoding, max_bytes), render)


def label_or_error(model: ThemeModel, item, encoding: str | None, max_bytes: int,
             render: Render | None) -> Outcome:
    """:func:`label_file`, with an unreadable file (or an ``InputError`` item) as a value."""
    if isinstance(item, InputError):
        return item
    try:
        return label_file(model, item, encoding, max_bytes, render)
    except InputError as exc:
        return exc


def label_files_in_turn(model: ThemeModel, items: Iterable, encoding: str | None,
                        max_bytes: int, render: Render | None = None,
                        batch_units: int = BATCH_UNITS) -> Iterator[Outcome]:
    """:func:`label_or_error` of each item, in order, small reports labelled together.

    Reports are read until they hold ``batch_units`` units (or the items end), then
    labelled as one batch where the renderer writes prediction columns
    (``ThemeModel.predict_units_many``): a report of a few dozen units no longer pays
    numpy's fixed costs alone. The outcomes are :func:`label_or_error`'s, byte for byte
    (tested); memory stays bounded by the batch and its largest report.
    """
    pending: list[InputUnits | InputError] = []
    units = 0
    for item in items:
        if isinstance(item, InputError):
            pending.append(item)
            continue
        try:
            loaded = load_input(item, encoding, max_bytes)
        except InputError as exc:
            pending.append(exc)
            continue
        pending.append(loaded)
        units += len(loaded.units)
        if units >= batch_units:
            yield from _label_loaded(model, pending, render)
            pending, units = [], 0
    yield from _label_loaded(model, pending, render)


def _label_loaded(model: ThemeModel, loaded: list[InputUnits | InputError],
                  render: Render | None) -> Iterator[Outcome]:
    """:func:`label_input` of each input read (errors pass through), labelled together."""
    inputs = [x for x in loaded if isinstance(x, InputUnits)]
    columnar = [x for x in inputs if render is not None and render.from_columns(x.units, x.ids)]
    others = [x for x in inputs if not (render is not None
                                        and render.from_columns(x.units, x.ids))]
    labelled = dict(zip(map(id, columnar), model.predict_units_many(
        [(x.units, x.in_context) for x in columnar]), strict=True))
    labelled.update(zip(map(id, others), model.classify_units_many(
        [(x.units, x.ids, x.in_context) for x in others],
        explain=render is None or render.explain), strict=True))
    for x in loaded:
        if isinstance(x, InputError):
            yield x
            continue
        done = labelled.pop(id(x))
        if isinstance(done, list):  # results
            yield x.name, (done if render is None else Rendered(
                _utf8(render(x.name, done)), len(done), dict(Counter(r.theme for r in done))))
        else:  # prediction columns
            yield x.name, Rendered(_utf8(render.columns(x.units, done)), len(x.units),
                                   dict(Counter(done.themes)))
