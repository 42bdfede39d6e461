"""Every output format by name: streamed ones rendered report by report, the others whole.

table, jsonl and csv are rendered where each report is labelled (:class:`Renderer`, handed
to labelling) and streamed out, so memory does not grow with the number of reports; xlsx
and html need every report (:func:`whole_output`). Comparisons: :func:`comparison_output`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..compare import Comparison
from ..pipeline.model import LabelledUnits, ThemeProfile, UnitResult, theme_profile
from ..taxonomy import Taxonomy
from .jsonl import labelled_jsonl_many
from .tables import (
    comparison_csv,
    comparison_table,
    comparison_xlsx,
    failed_table,
    labelled_csv_many,
    overall_table,
    results_csv,
    results_table,
    results_xlsx,
)


@dataclass(frozen=True)
class Renderer:
    """Renders one labelled report in a streamed format where it is labelled (picklable).

    ``explain`` says whether the output shows each unit's evidence and topic: what the
    renderer needs labelling to compute; labelling decides how. What depends on the order
    of reports (the CSV header before the first, a blank line between tables) is
    :meth:`before`.
    """

    fmt: str
    taxonomy: Taxonomy
    explain: bool = False
    width: int | None = None  # table: the terminal's columns (None: a unit on one line)
    profile_only: bool = False  # table: the profiles alone

    def before(self, position: int) -> str:
        """What goes before the report at ``position`` (0 for the first) in the output."""
        if self.fmt == "csv" and position == 0:
            return results_csv([], self.taxonomy.ids, header=True)
        if self.fmt == "table" and position > 0:
            return "\n"
        return ""

    def after(self, n_reports: int, profile: ThemeProfile) -> str:
        """What goes after the last report: a table's overall profile of a batch."""
        if self.fmt == "table" and n_reports > 1:
            return "\n" + overall_table(n_reports, profile, self.taxonomy, self.width)
        return ""

    def many(self, reports: list[str], labelled: list[LabelledUnits]) -> list[str]:
        """The output text of each report's labelled units, as :meth:`__call__` gives it.

        JSON Lines and CSV write the numbers of all the reports at once
        (``labelled_jsonl_many``, ``labelled_csv_many``).
        """
        if self.fmt == "jsonl":
            return labelled_jsonl_many(labelled)
        if self.fmt == "csv":
            return labelled_csv_many(labelled, self.taxonomy.ids)
        return list(map(self, reports, labelled))

    def __call__(self, report: str, labelled: LabelledUnits) -> str:
        """The output text of one report's labelled units (JSON Lines, CSV: from their columns)."""
        if self.fmt in ("jsonl", "csv"):
            return self.many([report], [labelled])[0]
        results = labelled.results()
        return results_table(report, results, theme_profile(results, self.taxonomy.ids),
                             self.taxonomy, self.width, self.profile_only)


def renderer(fmt: str, taxonomy: Taxonomy, explain: bool = False, width: int | None = None,
             profile_only: bool = False) -> Renderer | None:
    """The :class:`Renderer` of a streamed format (table, jsonl, csv), or None.

    A table shows no evidence or topics, whatever ``explain`` says; it wraps each unit's
    text to ``width`` terminal columns (None: one line per unit), or shows only the
    profiles (``profile_only``).
    """
    if fmt not in ("jsonl", "csv", "table"):
        return None
    table = fmt == "table"
    return Renderer(fmt, taxonomy, explain and not table, width if table else None,
                    profile_only and table)



def whole_output(fmt: str, reports: list[tuple[str, list[UnitResult], ThemeProfile]],
                 taxonomy: Taxonomy, topic_summary: list[dict],
                 failed: list[tuple[str, str]] = ()) -> str | bytes:
    """The xlsx workbook (bytes) or html page of every labelled report and the topic words.

    ``failed`` lists the inputs that could not be read, ``(name, reason)`` each: the page
    has a section of them, the workbook a sheet "failed".
    """
    if fmt == "html":
        from .html import results_html

        return results_html(reports, taxonomy, topic_summary, failed=failed)
    return results_xlsx(reports, taxonomy, topic_summary, failed=failed)


def comparison_output(fmt: str, comparison: Comparison, taxonomy: Taxonomy,
                      failed: list[tuple[str, str]] = ()) -> str | bytes:
    """A comparison as a terminal table, CSV, an xlsx workbook (bytes) or an html page.

    The inputs that could not be read (``failed``: ``(name, reason)`` each) are listed in
    the table, the workbook (sheet "failed") and the page.
    """
    if fmt == "html":
        from .html import comparison_html

        return comparison_html(comparison, taxonomy, failed=failed)
    if fmt == "xlsx":
        return comparison_xlsx(comparison, taxonomy, failed)
    if fmt == "table":
        return comparison_table(comparison, taxonomy) + failed_table(failed)
    return comparison_csv(comparison, taxonomy)
