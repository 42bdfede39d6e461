"""Exceptions raised by the library; the CLI turns them into one-line messages."""

import unicodedata


class TopicsError(Exception):
    """Base class of every error the library raises on purpose."""


class UsageError(TopicsError):
    """Options or arguments that do not go together (the CLI shows its usage with it)."""


class InputError(TopicsError):
    """A report or data file cannot be read or makes no sense."""


class TaxonomyError(TopicsError):
    """A taxonomy file is malformed."""


class LabelError(TopicsError):
    """A label file is malformed or names a theme the taxonomy lacks."""


class ModelError(TopicsError):
    """A model bundle is missing, damaged, or made by other library versions."""


class TrainingError(TopicsError):
    """The training data cannot make a model (too little of it, too few words)."""


class ClusterError(TopicsError):
    """A Dask cluster cannot be reached, or lost the work (the ``cluster`` extra missing too)."""


class WorkerError(TopicsError):
    """A worker process died while labelling (killed, or out of memory)."""


class OutputError(TopicsError):
    """An output file (or standard output) cannot be written: no such folder, disk full, ..."""


class Stopped(KeyboardInterrupt):  # noqa: N818 (an interruption, as KeyboardInterrupt is)
    """SIGTERM or SIGHUP asked the command to stop: it cleans up as after Ctrl-C."""


def printable(text: str) -> str:
    """``text`` on one line: control and format characters written as escapes.

    A file name with a newline, an escape sequence or a lone surrogate (a name that is not
    UTF-8) cannot break a one-line message or the terminal; spaces, CJK text and other
    printable characters are kept as they are.
    """
    return "".join(
        c if c.isprintable() or unicodedata.category(c) == "Zs"
        else c.encode("unicode_escape", "backslashreplace").decode("ascii")
        for c in text)
