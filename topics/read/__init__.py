"""Read stage: report files, folders and stdin to text.

Encodings, Word, PDF and HTML; the size limit is checked here.
"""
