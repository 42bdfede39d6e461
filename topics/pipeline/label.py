"""Label one input: read it, split it into units, label them, then render them if asked.

The renderer is handed in (``render``): this module imports no output format. Labelling a
unit does not depend on the other units of its batch, so a report labelled here, in a
worker process or on a Dask worker gives the same bytes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from ..config import N_EVIDENCE
from ..errors import InputError, failed, outcome
from .inputs import InputUnits, load_input
from .model import LabelledUnits, ThemeModel, UnitResult


class Render(Protocol):
    """What labelling asks of a renderer (``topics.render.outputs.Renderer`` is one)."""

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


def label_input(model: ThemeModel, loaded: InputUnits, render: Render | None = None
                ) -> tuple[str, list[UnitResult] | Rendered]:
    """Label the units of one input (then ``render`` them).

    Evidence and topics are computed unless ``render`` is given and does not show them.
    """
    explain = render is None or render.explain
    labelled = model.label_units(loaded.units, loaded.ids, in_context=loaded.in_context,
                                 n_evidence=N_EVIDENCE if explain else None, topics=explain)
    if render is None:
        return loaded.name, labelled.results()
    return loaded.name, Rendered(_utf8(render(loaded.name, labelled)), len(labelled),
                                 dict(Counter(labelled.columns.themes)))


def label_file(model: ThemeModel, path: str, encoding: str | None, max_bytes: int,
               render: Render | None = None) -> tuple[str, list[UnitResult] | Rendered]:
    """Read one report (or ``.jsonl`` of units) and label its units (then ``render`` them)."""
    return label_input(model, load_input(path, encoding, max_bytes), render)


def label_or_error(model: ThemeModel, item, encoding: str | None, max_bytes: int,
             render: Render | None) -> Outcome:
    """:func:`label_file`, with an unreadable file (or an ``InputError`` item) as a value."""
    return item if failed(item) else outcome(label_file, model, item, encoding, max_bytes,
                                             render)
