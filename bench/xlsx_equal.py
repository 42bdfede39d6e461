"""Whether two xlsx workbooks written by topics are the same workbook, as a reader sees it.

Run:  python bench/xlsx_equal.py OLD.xlsx NEW.xlsx

Loads both with openpyxl and compares, for every sheet (in order, by title): every cell's
value, data type, quote prefix, bold, alignment (wrap, vertical) and number format; the
column widths; the frozen panes; the autofilter's range; the charts (type, grouping,
overlap, title, value axis number format and title, size, anchor, data and category
references, series titles); and the workbook's creator; then the list of the files'
zipped parts. Prints each difference (at most 20 per sheet) and exits 1 if there is one,
else prints "same" and exits 0.
"""

from __future__ import annotations

import sys
import zipfile

from openpyxl import load_workbook


def _cells(sheet) -> dict:
    return {cell.coordinate: (cell.value, cell.data_type, bool(cell.quotePrefix),
                              bool(cell.font.b), bool(cell.alignment.wrap_text),
                              cell.alignment.vertical, cell.number_format)
            for row in sheet.iter_rows() for cell in row
            if cell.value is not None or cell.has_style}


def _text(rich) -> str | None:
    """The plain text of a chart or axis title (openpyxl reads it as rich text)."""
    if rich is None or rich.tx is None or rich.tx.rich is None:
        return None
    return "".join(run.t for p in rich.tx.rich.p for run in (p.r or []))


def _anchor(anchor) -> tuple:
    start = anchor._from
    ext = getattr(anchor, "ext", None)
    return (type(anchor).__name__, start.col, start.row, start.colOff, start.rowOff,
            None if ext is None else (ext.width, ext.height))


def _charts(sheet) -> list:
    charts = []
    for chart in sheet._charts:
        series = [(s.val.numRef.f, s.cat.numRef.f if s.cat and s.cat.numRef else
                   s.cat.strRef.f if s.cat and s.cat.strRef else None,
                   s.tx.strRef.f if s.tx and s.tx.strRef else None) for s in chart.series]
        charts.append((chart.tagname, chart.type, chart.grouping, chart.overlap,
                       _text(chart.title), chart.y_axis.number_format.formatCode
                       if chart.y_axis.number_format else None, _text(chart.y_axis.title),
                       _anchor(chart.anchor), series))
    return charts


def _sheet(sheet) -> dict:
    widths = {letter: dim.width for letter, dim in sheet.column_dimensions.items()
              if dim.customWidth}
    return {"cells": _cells(sheet), "widths": widths, "freeze": sheet.freeze_panes,
            "filter": sheet.auto_filter.ref, "dimensions": sheet.dimensions,
            "charts": _charts(sheet)}


def differences(old_path, new_path, limit: int = 20) -> list[str]:
    """What differs between the two workbooks (empty if they are the same)."""
    found = []
    with zipfile.ZipFile(old_path) as old_zip, zipfile.ZipFile(new_path) as new_zip:
        if sorted(old_zip.namelist()) != sorted(new_zip.namelist()):
            found.append(f"parts: {sorted(old_zip.namelist())} != {sorted(new_zip.namelist())}")
    old, new = load_workbook(old_path), load_workbook(new_path)
    if old.sheetnames != new.sheetnames:
        found.append(f"sheets: {old.sheetnames} != {new.sheetnames}")
    if old.properties.creator != new.properties.creator:
        found.append(f"creator: {old.properties.creator!r} != {new.properties.creator!r}")
    for title in old.sheetnames:
        if title not in new.sheetnames:
            continue
        a, b = _sheet(old[title]), _sheet(new[title])
        for key in a:
            if key == "cells":
                keys = sorted(set(a[key]) | set(b[key]))
                bad = [k for k in keys if a[key].get(k) != b[key].get(k)]
                found += [f"{title}!{k}: {a[key].get(k)!r} != {b[key].get(k)!r}"
                          for k in bad[:limit]]
                if len(bad) > limit:
                    found.append(f"{title}: {len(bad) - limit} more cells differ")
            elif a[key] != b[key]:
                found.append(f"{title} {key}: {a[key]!r} != {b[key]!r}")
    return found


def main() -> None:
    old_path, new_path = sys.argv[1:3]
    found = differences(old_path, new_path)
    for line in found:
        print(line)
    if found:
        sys.exit(1)
    n_cells = sum(len(_cells(sheet)) for sheet in load_workbook(new_path).worksheets)
    print(f"same ({n_cells} cells)")


if __name__ == "__main__":
    main()
