"""The streamed formats (table, jsonl, csv): one report rendered where it is labelled."""

from __future__ import annotations

from dataclasses import dataclass

from ..classify.predictor import PredictionColumns
from ..pipeline.model import UnitResult, theme_profile
from ..taxonomy import Taxonomy
from ..text.sentences import Unit
from .jsonl import results_jsonl, units_jsonl
from .tables import results_csv, results_table


@dataclass(frozen=True)
class Renderer:
    """Renders one labelled report in a streamed format where it is labelled (picklable).

    ``explain`` says whether the output shows each unit's evidence and topic, and so whether
    they must be computed. The caller adds what depends on the order of reports: the CSV
    header before the first, a blank line between tables.
    """

    fmt: str
    taxonomy: Taxonomy
    explain: bool = False

    def from_columns(self, units: list[Unit], ids: list | None) -> bool:
        """Whether these units can be written by :func:`units_jsonl`, with no results made.

        So they can in jsonl without evidence or topics, when the units are of one report
        and hold no ids.
        """
        return (self.fmt == "jsonl" and not self.explain and ids is None
                and len({unit.report for unit in units}) <= 1)

    def columns(self, units: list[Unit], columns: PredictionColumns) -> str:
        """The output text of units for which :meth:`from_columns` holds."""
        return units_jsonl(units, columns)

    def __call__(self, report: str, results: list[UnitResult]) -> str:
        """The output text of one report."""
        if self.fmt == "jsonl":
            return results_jsonl(results)
        if self.fmt == "csv":
            return results_csv(results, self.taxonomy.ids, header=False)
        return results_table(report, results, theme_profile(results, self.taxonomy.ids),
                             self.taxonomy)


def renderer(fmt: str, taxonomy: Taxonomy, explain: bool = False) -> Renderer | None:
    """The :class:`Renderer` of a streamed format (table, jsonl, csv), or None.

    A table shows no evidence or topics, whatever ``explain`` says.
    """
    if fmt not in ("jsonl", "csv", "table"):
        return None
    return Renderer(fmt, taxonomy, explain and fmt != "table")
