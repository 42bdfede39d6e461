"""The ``topics`` command and ``python -m topics``: signals set first, then the CLI.

This module imports nothing at all outside :func:`run`, which catches Ctrl-C, so that
Ctrl-C from the moment this module is imported ends in one line, not a traceback (before
that, Python is still starting and importing the ``topics`` package).
"""

import sys


def _stop(signum, _frame):
    import signal

    from .errors import Stopped

    raise Stopped(signal.Signals(signum).name)


def _buffered_stdout() -> None:
    """Standard output buffered, and able to write any text.

    Unbuffered (PYTHONUNBUFFERED, ``-u``), a short write (over a file-size limit) loses the
    rest silently; a buffered writer writes the rest and so meets the error, which is then
    reported. Text the encoding cannot hold (a lone surrogate of a file name that is not
    UTF-8) is written as a backslash escape.
    """
    import io

    stream = sys.stdout
    if stream is None:  # started with standard output closed
        return
    if isinstance(getattr(stream, "buffer", None), io.RawIOBase):
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(stream.buffer), stream.encoding,
                                      "backslashreplace", line_buffering=stream.line_buffering,
                                      write_through=True)
    else:
        stream.reconfigure(errors="backslashreplace")


def _interrupted(exc: BaseException) -> None:
    """Ctrl-C, SIGTERM or SIGHUP outside a command's own handler: one line, no traceback.

    Another Ctrl-C or SIGTERM while it exits is ignored (it would print a traceback).
    """
    from .errors import Stopped, ignore_more_stops

    ignore_more_stops()
    stopped = isinstance(exc, Stopped) or isinstance(exc.__cause__, Stopped)
    sys.stderr.write(f"Error: {'terminated' if stopped else 'interrupted'}\n")
    sys.exit(143 if stopped else 130)


def run() -> None:
    """Run the command line: SIGTERM and SIGHUP clean up as Ctrl-C does; no SIGXFSZ.

    With SIGXFSZ ignored, a write over the file-size limit (``ulimit -f``) fails with
    EFBIG and is reported, instead of killing the process with a core dump. Ctrl-C at any
    moment after this module is imported (the CLI still being imported, or its options
    parsed) says "interrupted", as it does in a command.
    """
    try:
        import signal

        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), _stop)
        if hasattr(signal, "SIGXFSZ"):
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        _buffered_stdout()
        from .cli import run_command

        run_command(_interrupted)
    except KeyboardInterrupt as exc:
        _interrupted(exc)


if __name__ == "__main__":  # not when a spawned worker process imports it
    run()
