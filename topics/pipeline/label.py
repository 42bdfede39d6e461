"""Label one input: read it, split it into units, label them, then render them if asked.

The renderer is handed in (``render``): this module imports no output format. Labelling a
unit does not depend on the other units of its batch, so a report labelled here, in a
worker process or on a Dask worker gives the same bytes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from ..errors import InputError, failed, outcome
from .inputs import InputUnits, load_input
from .model import ThemeModel, UnitResult


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
    return item if failed(item) else outcome(label_file, model, item, encoding, max_bytes,
                                             render)
