"""Output formats of labelled units.

The one record of a labelled unit, JSON Lines, tables (terminal, CSV, xlsx) and HTML.
"""
