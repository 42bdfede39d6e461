"""Output formats of labelled units.

The one record of a labelled unit, JSON Lines, tables (terminal, CSV, xlsx) and HTML.
"""

#: Formats that :func:`.outputs.whole_output` writes: they need every report at once.
WHOLE_FORMATS = ("xlsx", "html")
#: Formats written with a UTF-8 byte-order mark (for spreadsheet programs).
BOM_FORMATS = ("csv",)
