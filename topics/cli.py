"""The ``topics`` command line: a thin layer over the library that talks to the terminal."""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import logging
import math
import os
import shutil
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

import click

from . import config

# -- options shared by several commands (sqlite-utils' output_options) ---------------------

def _finite_megabytes(_ctx, _param, value: float) -> float:
    """``--max-size`` as a number of MB that has a size in bytes (``config.megabytes``).

    ``FloatRange`` lets NaN through, and infinity (or 1e308 MB) has no size in bytes.
    """
    if not math.isfinite(value * 1024 * 1024):
        raise click.BadParameter("must be a finite number of MB")
    return value


MAX_SIZE = click.option(
    "--max-size", default=config.MAX_SIZE_MB, show_default=True, type=click.FloatRange(0.001),
    callback=_finite_megabytes,
    help="Refuse report files larger than this many MB rather than read them whole.")
MODEL = click.option(
    "--model", "model_dir", envvar="TOPICS_MODEL", type=click.Path(),
    help="Model folder (default: $TOPICS_MODEL, else ./models/default if it exists, else the "
         "built-in model, built on first use).")
OUT = click.option("--out", type=click.Path(dir_okay=False),
                   help="Write here (atomically), not stdout.")
ENCODING = click.option("--encoding", help="Force the text encoding of reports (e.g. gbk).")


def _set_verbose(ctx, _param, value):
    if value:
        obj = ctx.find_object(Context)
        obj.verbose += value
        _log_level(obj.verbose)


def _set_quiet(ctx, _param, value):
    if value:
        ctx.find_object(Context).quiet = True


#: -v and -q, accepted before the command (``topics -q classify``) and after it
#: (``topics classify -q``) alike.
VERBOSE = click.option("-v", "--verbose", count=True, expose_value=False, callback=_set_verbose,
                       help="Say what is happening; also show tracebacks.")
QUIET = click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_set_quiet,
                     help="No progress or summary on stderr.")


def _verbosity(command):
    return VERBOSE(QUIET(command))


def _log_level(verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter("topics: %(message)s"))
    logging.basicConfig(handlers=[handler])  # once: a second call (-v after the command) no-ops
    logging.getLogger().setLevel(level)
    if not verbose:  # gensim's advice for its own defaults; the topic model's passes are measured
        logging.getLogger("gensim.models.ldamodel").addFilter(_not_too_few_updates)


def _not_too_few_updates(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("too few updates")


class Context:
    """Options shared by every command."""

    def __init__(self, verbose: int, quiet: bool):
        self.verbose = verbose
        self.quiet = quiet

    def say(self, message: str) -> None:
        """People-talk on stderr, unless --quiet (on one line: see ``errors.printable``)."""
        if not self.quiet:
            click.echo(_one_line(message), err=True)


BUG_REPORT = ("this is a bug in topics: please report it with the command you ran and the "
              "traceback that -v shows")


def _one_line(message: str) -> str:
    from .errors import printable

    return printable(message)


class _Failure(click.ClickException):
    """The one way a command fails: ``Error: MESSAGE`` on one line, then exit ``code``."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(_one_line(message))
        self.exit_code = code


def _error_line(exc) -> str:
    """The line that reports an input skipped with an error (the batch goes on)."""
    return f"topics: error: {_one_line(str(exc))}"


def _quiet_stdout() -> None:
    """Send what is left of our output nowhere: its reader went away, or it cannot be written."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class _OneLineFormatter(logging.Formatter):
    """Log messages on one line each, as every message (a traceback with -v follows)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        """The message, control characters escaped."""
        return _one_line(super().formatMessage(record))


def _handle_errors(command):
    """Turn the library's errors into one-line messages and exit codes (tracebacks with -v).

    Only the library's own errors (``TopicsError``) are the user's to fix; anything else is
    a bug and says so: its traceback with -v, a line asking to report it without. Ctrl-C
    and SIGTERM (after cleaning up) and a standard output that cannot be written are said
    in one line too; a reader that went away (``| head``) ends the command quietly.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .errors import Stopped, TopicsError, UsageError, ignore_more_stops
        from .fileio import write_error

        ctx = click.get_current_context().find_object(Context)
        try:
            result = command(*args, **kwargs)
            if sys.stdout is not None:  # None: started with standard output closed
                sys.stdout.flush()  # here, not at exit, so that a failure is reported
            return result
        except UsageError as exc:
            raise click.UsageError(_one_line(str(exc))) from None
        except TopicsError as exc:
            if ctx and ctx.verbose:
                traceback.print_exc()
            raise _Failure(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Stopped:
            ignore_more_stops()
            raise _Failure("terminated", 143) from None
        except KeyboardInterrupt:
            ignore_more_stops()
            raise _Failure("interrupted", 130) from None
        except BrokenPipeError:
            # the reader of our output went away (e.g. `| head`): stop quietly
            _quiet_stdout()
            sys.exit(1)
        except OSError as exc:
            if exc.errno not in _WRITE_PROBLEMS:
                raise _bug(ctx, exc) from None
            if _stdout_broken():  # `> /dev/full`, a file-size limit
                _quiet_stdout()
                raise _Failure(str(write_error("standard output", exc))) from None
            # files written through fileio name themselves (OutputError); another write
            # that failed for want of space is no bug either
            raise _Failure(str(write_error(exc.filename or "a file", exc))) from None
        except Exception as exc:
            raise _bug(ctx, exc) from None

    return wrapper


#: Errors of writing that the user can fix (and are no bug of ours).
_WRITE_PROBLEMS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO}


def _stdout_broken() -> bool:
    """Whether standard output cannot be written: what it holds does not go out again."""
    if sys.stdout is None:
        return False
    try:
        sys.stdout.flush()
    except OSError:
        return True
    return False


def _bug(ctx: Context | None, exc: Exception) -> _Failure:
    """The message of an unexpected exception: a bug, with its traceback under -v."""
    if ctx and ctx.verbose:
        traceback.print_exc()
        return _Failure(f"{type(exc).__name__}: {exc}: {BUG_REPORT}")
    return _Failure(f"{type(exc).__name__}: {exc}: {BUG_REPORT} (run with -v to see it)")


def run_command(interrupted) -> None:
    """Run :func:`main` as the ``topics`` command, each failure reported in one line.

    Click's own handling is off, so that Ctrl-C or SIGTERM outside a command (while its
    options are parsed) goes to ``interrupted`` (which exits), not to "Aborted!".
    """
    try:
        code = main.main(prog_name="topics", standalone_mode=False)
    except click.Abort as exc:
        interrupted(exc)
    except click.ClickException as exc:
        exc.message = _one_line(exc.message)  # click's own too (a bad --out NAME)
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # the reader went away (``--help | head``)
        _quiet_stdout()
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Say what is happening; also show tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@click.version_option(package_name="topics")
@click.pass_context
def main(ctx, verbose, quiet):
    """Find the themes of Chinese official reports.

    Label every sentence of a report with a theme and a confidence, show the
    report's theme profile, train your own models, and inspect topic words.

    Example: topics classify seeds/000_eb7df649a681aff6.txt
    """
    ctx.obj = Context(verbose, quiet)
    _log_level(verbose)


def _say_progress(started: float, message: str) -> None:
    """One progress line on stderr, stamped with the seconds since ``started``."""
    click.echo(_one_line(f"topics: [{time.monotonic() - started:5.1f}s] {message}"), err=True)


def _progress(obj: Context):
    """Progress of long work: on a terminal or with -v, never with --quiet."""
    started = time.monotonic()
    show = not obj.quiet and (obj.verbose or (sys.stderr is not None and sys.stderr.isatty()))

    def progress(message: str) -> None:
        if show:
            _say_progress(started, message)
    return progress


class _Heartbeat:
    """Progress of long work on any stderr, a terminal or not (never with --quiet).

    Each step is said when it starts and again every ``every`` seconds while it runs, so a
    log shows that the work goes on. Call :meth:`stop` when the work is done.
    """

    def __init__(self, obj: Context, every: float = 5.0):
        self.obj, self.every = obj, every
        self.started = time.monotonic()
        self.message, self.timer = "", None
        self.lock = threading.Lock()

    def __call__(self, message: str) -> None:
        if self.obj.quiet:
            return
        with self.lock:
            self.message = message
            _say_progress(self.started, message)
            self._arm()

    def _arm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.timer = threading.Timer(self.every, self._beat)
        self.timer.daemon = True
        self.timer.start()

    def _beat(self) -> None:
        with self.lock:
            if self.timer is None:
                return
            _say_progress(self.started, f"{self.message} (still working)")
            self._arm()

    def stop(self) -> None:
        """No more lines."""
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
            self.timer = None


def _load(obj: Context, model_dir: str | None):
    from .resolve import resolve_model

    heartbeat = _Heartbeat(obj)  # says something only when the default model is built
    try:
        return resolve_model(model_dir, heartbeat, lambda m: obj.say(f"topics: {m}"))
    finally:
        heartbeat.stop()


def _model_line(model) -> str:
    """Which model was used, for the end of a summary line."""
    from .resolve import describe_model

    return describe_model(model)


def _check_stdout() -> None:
    """Refuse to run for output to standard output when it was closed (``>&-``)."""
    from .errors import OutputError

    if sys.stdout is None:
        raise OutputError("cannot write standard output: it is closed")


@main.command()
@click.argument("reports", nargs=-1, type=click.Path())
@click.option("--labels", "label_files", multiple=True, type=click.Path(),
              help="Label file (JSON Lines: text, label, report, index); repeatable. "
                   "Default: the shipped hand labels and authored examples.")
@click.option("--taxonomy", type=click.Path(), help="Taxonomy TOML file (default: shipped).")
@click.option("--out", default=str(config.LOCAL_MODEL_DIR), show_default=True,
              type=click.Path(), help="Model folder to write.")
@click.option("--topics", "n_topics", default=config.N_TOPICS, show_default=True,
              type=click.IntRange(2, 200),
              help="Number of LDA topics: one per theme with cue words, the rest free.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**32 - 1),
              help="Random seed (0 to 4294967295).")
@click.option("--no-eval", is_flag=True, help="Skip the report-split cross-validation.")
@click.option("--select", is_flag=True,
              help="Choose the classifier's C and cue weight by report-split CV (9 candidates).")
@click.option("--user-dict", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra jieba dictionary (词 词频 词性); repeatable.")
@click.option("--stopwords", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra stop-word file, one word per line; repeatable.")
@click.option("--max-weak", default=config.MAX_WEAK, show_default=True, type=click.IntRange(0),
              help="Most weak-labelled sentences the classifier trains on (a seeded sample).")
@MAX_SIZE
@click.option("--scheduler", envvar="TOPICS_SCHEDULER", metavar="ADDRESS",
              help="Read, split, weak-label and segment the reports on a Dask cluster "
                   "(tcp://HOST:8786, or local[:N]); the model is the same. Needs "
                   "topics[cluster]. Env: TOPICS_SCHEDULER.")
@_verbosity
@click.pass_obj
@_handle_errors
def train(obj, reports, label_files, taxonomy, out, n_topics, seed, no_eval, select, user_dict,
          stopwords, max_weak, max_size, scheduler):
    """Train the theme classifier and the topic model.

    REPORTS are report files or folders; those without hand labels get weak
    labels from their outlines and cue words. With no REPORTS and no --labels,
    the shipped seed reports, hand labels and authored examples are used.
    Prints the report-split cross-validated scores and topic coherence.

    Example: topics train --out models/default --seed 0
    """
    from .train import train_to

    started = time.monotonic()
    progress = _Heartbeat(obj)
    becomes_default = Path(out).resolve() == config.LOCAL_MODEL_DIR.resolve()
    if becomes_default:
        obj.say(f"topics: the model goes to {out}: commands run in this folder will use it "
                f"instead of the built-in default (give --out elsewhere to keep it apart)")

    def on_data(data, n_reports: int) -> None:
        obj.say(f"topics: training on {_data_line(data, n_reports)}"
                + ("" if label_files else "; add hand labels with --labels FILE"))

    try:
        trained = train_to(out, reports, label_files, taxonomy=taxonomy, n_topics=n_topics,
                           seed=seed, evaluate=not no_eval, select=select, user_dicts=user_dict,
                           stopwords=stopwords, max_weak=max_weak,
                           max_bytes=config.megabytes(max_size), scheduler=scheduler,
                           progress=progress, on_data=on_data,
                           wait=lambda message: obj.say(f"topics: {message}"),
                           cluster_log_level=_dask_log_level(obj))
    finally:
        progress.stop()  # no more progress lines once training ends or fails
    click.echo(_metrics_text(trained.model.manifest["metrics"], trained.model.taxonomy.ids),
               nl=False)
    obj.say(f"topics: model written to {out}: {_data_line(trained.data, trained.n_reports)}, "
            f"{time.monotonic() - started:.1f}s"
            + ("; it is now the default model in this folder" if becomes_default else ""))


def _k_range(_ctx, _param, value: str) -> list[int]:
    """``8-16`` (every k), ``8-16:2`` (a step) or ``8,11,14`` as a sorted list of k."""
    try:
        if "-" in value:
            span, _, step = value.partition(":")
            low, high = (int(v) for v in span.split("-"))
            ks = list(range(low, high + 1, int(step or 1)))
        else:
            ks = sorted({int(v) for v in value.split(",")})
    except ValueError:
        raise click.BadParameter(f"{value!r}: give a range such as 8-16, 8-16:2 or a list "
                                 f"such as 8,11,14") from None
    if not ks or ks[0] < 2 or ks[-1] > 200 or len(ks) > 40:
        raise click.BadParameter(f"{value!r}: give 1 to 40 values of k from 2 to 200")
    return ks


@main.command(name="select-k")
@click.argument("reports", nargs=-1, type=click.Path())
@click.option("--labels", "label_files", multiple=True, type=click.Path(),
              help="Label file (JSON Lines), as for train; repeatable.")
@click.option("--taxonomy", type=click.Path(), help="Taxonomy TOML file (default: shipped).")
@click.option("--k", "ks", default="8-16", show_default=True, callback=_k_range,
              help="Numbers of topics to try: a range (8-16, 8-16:2) or a list (8,11,14).")
@click.option("--seeds", "n_seeds", default=5, show_default=True, type=click.IntRange(2, 20),
              help="Seeds per k, for stability.")
@click.option("--chart", type=click.Path(dir_okay=False),
              help="Write the curves here as a self-contained HTML page (no network).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@MAX_SIZE
@_verbosity
@click.pass_obj
@_handle_errors
def select_k(obj, reports, label_files, taxonomy, ks, n_seeds, chart, fmt, max_size):
    """Try several numbers of topics and pick one: coherence, stability, themes owned.

    For each k, the topic model is fitted with --seeds seeds on the documents train would
    use (REPORTS and --labels as for train; none: the shipped data). Per k it reports c_v
    and c_npmi coherence of the top 10 words over those documents, stability (mean
    best-match overlap of top-10 words across seeds) and how many themes own a topic, and
    picks k by the stated rule. Train with the chosen k: topics train --topics K.

    Example: topics select-k --k 8-16:2 --chart k.html
    """
    from .fileio import atomic_file
    from .read.files import REPORT_SUFFIXES
    from .taxonomy import load_taxonomy
    from .topic.select import RULE, chart_html, scores_json
    from .train import collect_training_data, select_n_topics, training_inputs

    _check_stdout()
    started = time.monotonic()
    progress = _Heartbeat(obj)
    tax = load_taxonomy(taxonomy or config.taxonomy_path())
    paths, label_files, document_sets = training_inputs(list(reports), label_files, "select-k")
    read = [*paths, *label_files, *(str(path) for pair in document_sets for path in pair)]
    _refuse_input_as_output("--chart", chart, read, REPORT_SUFFIXES)
    with contextlib.ExitStack() as stack:
        # the chart's file is opened (a temporary file beside it) before minutes of work
        chart_file = stack.enter_context(atomic_file(chart)) if chart else None
        try:
            data = collect_training_data(tax, label_files, paths, config.megabytes(max_size),
                                         document_sets=document_sets,
                                         shipped_by_content=bool(reports))
            chosen, scores = select_n_topics(tax, data, ks, n_seeds=n_seeds, progress=progress)
        finally:
            progress.stop()
        if chart_file is not None:
            chart_file.write(chart_html(chosen, scores, len(tax.themes), n_seeds).encode())
    if fmt == "json":
        click.echo(json.dumps(scores_json(chosen, scores), ensure_ascii=False, indent=2))
    else:
        click.echo(f"{'k':>4} {'free':>4} {'c_v':>6} {'c_npmi':>7} {'stability':>9} "
                   f"{'tied':>5} {'themes':>6}")
        for s in scores:
            click.echo(f"{s.k:4d} {s.n_free:4d} {s.c_v:6.3f} {s.c_npmi:7.3f} "
                       f"{s.stability:9.2f} {s.tied_stability:5.2f} {s.themes_owned:6d}"
                       + ("  <- chosen" if s.k == chosen.k else ""))
        click.echo(f"chosen k = {chosen.k}: {RULE}")
    obj.say(f"topics: {len(scores)} values of k tried with {n_seeds} seeds each, "
            f"{time.monotonic() - started:.1f}s; train with: topics train --topics {chosen.k}")


def _data_line(data, n_reports: int) -> str:
    """What training used: reports, hand-labelled and weak-labelled units."""
    weak = sum(1 for s in data.sentences if s.source.startswith("weak"))
    hand = len(data.sentences) - weak
    return (f"{n_reports} reports ({n_reports - len(data.unlabelled_reports)} with hand labels), "
            f"{len(data.documents)} labelled documents, {hand} hand-labelled and {weak} "
            f"weak-labelled units")


def _metrics_text(metrics: dict, theme_ids: list[str]) -> str:
    lines = []
    cv = metrics.get("classifier_cv")
    if cv and cv.get("folds"):
        lines.append(f"Classifier alone, {cv['folds']}-fold cross-validation grouped by "
                     f"document over {cv['documents']} documents ({cv['n']} hand-labelled "
                     f"sentences):")
        lines.append(f"  accuracy {cv['accuracy']:.3f}   macro-F1 {cv['macro_f1']:.3f}")
        lines.append("  per-theme F1: " + "  ".join(
            f"{t} {cv['per_theme'][t]['f1']:.2f}" for t in theme_ids))
    elif cv:
        lines.append(f"Classifier: {cv.get('note')} (add hand labels with --labels FILE: "
                     f"JSON Lines of text, label, report, index)")
    context = metrics.get("context_cv")
    if context:
        lines.append(f"Calibrated, same folds, on {context['documents']} labelled documents "
                     f"(fallback threshold {context['threshold']}):")
        for key, name in (("alone", "each unit alone"), ("in_context", "in context")):
            part = context[key]
            lines.append(f"  {name:15s} accuracy {part['accuracy']:.3f}   macro-F1 "
                         f"{part['macro_f1']:.3f}   calibration error "
                         f"{part['calibration_error']:.3f}")
            lines.append("    per-theme F1: " + "  ".join(
                f"{t} {part['per_theme'][t]['f1']:.2f}" for t in theme_ids))
        genres = context["in_context"].get("by_genre", {})
        if genres:
            lines.append("  in context by genre (macro-F1): " + "  ".join(
                f"{g} {v['macro_f1']:.2f}" for g, v in genres.items()))
    weak = metrics.get("weak_labels")
    if weak:
        lines.append(f"Weak labels on hand-labelled reports: coverage {weak['coverage']:.1%}, "
                     f"agreement {weak['accuracy']:.1%}")
    coherence = metrics.get("topic_coherence", {})
    if coherence:
        lines.append(f"Topic coherence: mean c_v {coherence.get('mean_c_v')}, "
                     f"mean u_mass {coherence.get('mean_u_mass')}")
    return "\n".join(lines) + "\n"


def _dask_log_level(obj: Context) -> int:
    """Dask's own logging: with -v, else errors only."""
    return logging.INFO if obj.verbose else logging.ERROR


class _Progress:
    """A progress bar over the inputs on a terminal; unreadable inputs said on stderr past it.

    Called with an ``InputError`` (as ``on_error``), it says so, counts it and keeps its
    name and reason (``failures``).
    """

    def __init__(self, obj: Context):
        self.obj, self.bar = obj, None
        self.failures: list[tuple[str, str]] = []  # (name, reason) of each

    def __call__(self, exc) -> None:
        from .labelling import failure

        self.failures.append(failure(exc, exc))
        click.echo(f"{chr(10) if self.bar else ''}{_error_line(exc)}", err=True)
        self.step()

    @property
    def failed(self) -> int:
        """How many inputs could not be read."""
        return len(self.failures)

    def step(self) -> None:
        """One more input done."""
        if self.bar is not None:
            self.bar.update(1)

    @contextlib.contextmanager
    def over(self, items: list):
        """Show the bar, with counts and an estimate, only on a terminal and for 2+ inputs."""
        if self.obj.quiet or sys.stderr is None or not sys.stderr.isatty() or len(items) < 2:
            yield self
            return
        with click.progressbar(length=len(items), label="labelling", file=sys.stderr,
                               show_pos=True, show_eta=True) as self.bar:
            yield self
        self.bar = None


class _Skips:
    """Hears the files of the inputs skipped as no reports: says each, counts them."""

    def __init__(self, obj: Context):
        self.obj, self.count = obj, 0

    def __call__(self, message: str) -> None:
        self.count += 1
        self.obj.say(f"topics: skipped {message}")

    def summary(self) -> str:
        """What goes into the summary line (nothing when none was skipped)."""
        return f", {self.count} skipped" if self.count else ""


class _Sink(contextlib.ExitStack):
    """Output written as it comes: to stdout, or to a temporary file renamed at the end.

    The file is opened at the first write, so a run that labels nothing writes nothing;
    an error inside the ``with`` block removes it. A device or pipe is opened at once,
    so that one that cannot be written (a pipe that nothing reads) stops the run first.
    """

    def __init__(self, out: str | None, bom: bool = False):
        super().__init__()
        self.out, self.bom, self._handle = out, bom, None

    def __enter__(self) -> _Sink:
        """The sink, a device or pipe to write already open, standard output checked."""
        from .fileio import special_file

        super().__enter__()
        if not self.out:
            _check_stdout()
        elif special_file(self.out):
            self._open()
        return self

    def _open(self) -> None:
        from .fileio import atomic_file

        self._handle = self.enter_context(atomic_file(self.out))
        if self.bom:
            self._handle.write("\ufeff".encode())

    def write(self, text: str | bytes) -> None:
        """Write text, or bytes already encoded in UTF-8."""
        if not self.out:
            if text:  # nothing to write (what goes before most reports): no flush either
                click.echo(text, nl=False)
            return
        if self._handle is None:
            self._open()
        self._handle.write(text.encode("utf-8", "backslashreplace") if isinstance(text, str)
                           else text)


def _check_out(fmt: str, out: str | None, inputs) -> None:
    if fmt == "xlsx" and not out:
        raise click.UsageError("--format xlsx writes a binary workbook: give --out FILE.xlsx")
    _refuse_input_as_output("--out", out, inputs)


def _refuse_input_as_output(option: str, out: str | None, inputs,
                            suffixes: tuple[str, ...] | None = None) -> None:
    """A usage error if the file ``out`` is one that the run reads, before it reads any.

    ``inputs`` are files and folders, walked for ``suffixes`` (default: classify's).
    """
    from .labelling import INPUT_SUFFIXES, input_file

    held = input_file(out, inputs, suffixes or INPUT_SUFFIXES) if out else None
    if held is not None:
        raise click.UsageError(f"{option} {out} is one of the inputs ({held}); "
                               f"write the output elsewhere")


def _write_labelled(labelled, fmt: str, out: str | None, progress: _Progress) -> tuple[int, int]:
    """Write each labelled report as it comes, or all at the end (xlsx, html); count them.

    Returns the numbers of reports and of units written.
    """
    from .render import BOM_FORMATS, WHOLE_FORMATS

    kept, n_reports, n_units, counts = [], 0, 0, Counter()
    with _Sink(out, bom=fmt in BOM_FORMATS) as sink, progress.over(labelled.items):
        for name, results in labelled:
            progress.step()
            if fmt in WHOLE_FORMATS:
                kept.append((name, results, labelled.model.profile(results)))
            else:
                sink.write(labelled.render.before(n_reports))
                sink.write(results.data)
                counts.update(results.counts or {})
            n_reports, n_units = n_reports + 1, n_units + len(results)
        # imported here, not first: labelling starts its worker processes before this
        # process imports the labelling code (labelling.Labelling)
        from .config import N_TOPIC_WORDS
        from .pipeline.model import ThemeProfile
        from .render.outputs import whole_output
        from .render.tables import failed_table

        if kept:
            model = labelled.model
            sink.write(whole_output(fmt, kept, model.taxonomy,
                                    model.topic_model.summary(N_TOPIC_WORDS),
                                    labelled.failures))
        elif n_reports:
            ids = labelled.model.taxonomy.ids
            sink.write(labelled.render.after(
                n_reports, ThemeProfile({t: counts.get(t, 0) for t in ids}, n_units)))
        if fmt == "table" and n_reports:
            sink.write(failed_table(labelled.failures))
    return n_reports, n_units


def _table_width(wide: bool, out: str | None) -> int | None:
    """The columns a table fits: $COLUMNS, else the terminal's; None with --wide or no terminal.

    Output to a file, or to a pipe without $COLUMNS in the environment, is not wrapped (one
    line per unit), so it stays stable.
    """
    if wide or out:
        return None
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout is not None and sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@MODEL
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl", "csv", "xlsx", "html"]),
              default="table", show_default=True)
@OUT
@ENCODING
@MAX_SIZE
@click.option("--explain", is_flag=True,
              help="jsonl and csv: also give each unit's evidence (the terms that pushed it "
                   "to its theme) and its LDA topic; about twice the work. xlsx and html "
                   "always have them.")
@click.option("--wide", is_flag=True,
              help="table: each sentence on one line, not wrapped to the terminal's width "
                   "($COLUMNS if set). A pipe without $COLUMNS or --out is never wrapped.")
@click.option("--profile-only", is_flag=True,
              help="table: only each report's theme profile (and a batch's overall one).")
@click.option("--jobs", "-j", type=click.IntRange(0),
              help="Processes for a batch of files (0: one per core; default: chosen from "
                   "the number and size of the files and the cores, -v says); output order "
                   "is kept.")
@click.option("--scheduler", envvar="TOPICS_SCHEDULER", metavar="ADDRESS",
              help="Label on a Dask cluster: its scheduler (tcp://HOST:8786), or local[:N] "
                   "for N worker processes here (default: one per core). Same output. "
                   "Needs topics[cluster]. Env: TOPICS_SCHEDULER.")
@_verbosity
@click.pass_obj
@_handle_errors
def classify(obj, inputs, model_dir, fmt, out, encoding, max_size, explain, wide, profile_only,
             jobs, scheduler):
    """Label every sentence of reports with a theme and a confidence.

    INPUTS are report files (.txt/.md in any common Chinese encoding, .docx,
    .pdf), folders of them, - for stdin, or .jsonl files whose records' "text"
    fields are units (their "id" is kept). A file that cannot be read is
    reported and skipped; the exit code is 1 if any was. xlsx and html hold
    every report's sentences, profile and the topic words.

    Example: topics classify reports/ --format html --out report.html
    """
    from .parallel.tuning import start_for_labelling

    start_for_labelling()  # first: no BLAS threads once numpy is imported; fewer collections
    from .labelling import label_many, model_loader
    from .resolve import model_folder

    _check_out(fmt, out, inputs)
    for flag, given in (("--wide", wide), ("--profile-only", profile_only)):
        if given and fmt != "table":
            raise click.UsageError(f"{flag} is for --format table, not {fmt}")
    if explain and fmt == "table":
        raise click.UsageError("--explain: the table shows no evidence; use --format jsonl or "
                               "csv with --explain, or xlsx or html (they always have it)")
    width = _table_width(wide, out)
    started, progress, skips = time.monotonic(), _Progress(obj), _Skips(obj)

    def render(model):
        from .render.outputs import renderer  # with the model: see _write_labelled

        return renderer(fmt, model.taxonomy, explain, width, profile_only)

    labelled = label_many(model_loader(lambda: _load(obj, model_dir), model_folder(model_dir)),
                          inputs, render, jobs=jobs,
                          scheduler=scheduler, encoding=encoding,
                          max_bytes=config.megabytes(max_size), on_error=progress,
                          progress=_progress(obj),
                          cluster_log_level=_dask_log_level(obj),
                          exclude=[out] if out else [], on_skip=skips)
    n_reports, n_units = _write_labelled(labelled, fmt, out, progress)
    model_line = f"{_model_line(labelled.model)}, " if labelled.model is not None else ""
    obj.say(f"topics: {n_reports} reports, {n_units} units labelled, "
            f"{progress.failed} failed{skips.summary()}, {model_line}"
            f"{time.monotonic() - started:.1f}s")
    if progress.failed:
        sys.exit(1)
    if not n_reports and skips.count:
        from .errors import InputError

        raise InputError("nothing to label: every input was skipped (see above)")


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@MODEL
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "xlsx", "html"]),
              default="table", show_default=True)
@OUT
@ENCODING
@click.option("-n", "n_typical", default=3, show_default=True, type=click.IntRange(0, 50),
              help="Typical sentences per theme and report.")
@click.option("--by-section", is_flag=True,
              help="Also compare the top-level sections, matched by position (一 with 一).")
@MAX_SIZE
@_verbosity
@click.pass_obj
@_handle_errors
def compare(obj, inputs, model_dir, fmt, out, encoding, n_typical, by_section, max_size):
    """Compare the theme profiles of reports (one input: its profile alone).

    Each INPUT (a report, or a folder whose reports are pooled) is one column,
    named by its file or folder name, or by the part of its path that differs
    (2023/工作报告.txt and 2024/工作报告.txt: 2023 and 2024): theme shares side by
    side, differences from the first in percentage points, and each one's most
    typical sentences per theme; with --by-section the same for each top-level
    section (the first with the first, and so on).

    Example: topics compare 2023/报告.docx 2024/报告.docx --by-section --format html --out c.html
    """
    from .parallel.tuning import start_for_labelling

    start_for_labelling()  # before numpy is imported, as in classify
    from .labelling import compare_inputs, loaded
    from .render import BOM_FORMATS
    from .render.outputs import comparison_output

    _check_out(fmt, out, inputs)
    started, failed, skips = time.monotonic(), _Progress(obj), _Skips(obj)
    with _Sink(out, bom=fmt in BOM_FORMATS) as sink:
        model = loaded(lambda: _load(obj, model_dir))
        comparison = compare_inputs(model, list(inputs), n_typical, by_section=by_section,
                                    encoding=encoding, max_bytes=config.megabytes(max_size),
                                    on_error=failed, on_skip=skips,
                                    exclude=[out] if out else [])
        sink.write(comparison_output(fmt, comparison, model.taxonomy, failed.failures))
    obj.say(f"topics: compared {len(comparison.names)} inputs, {failed.failed} failed"
            f"{skips.summary()}, {_model_line(model)}, {time.monotonic() - started:.1f}s")
    if failed.failed:
        sys.exit(1)


@main.command()
@MODEL
@click.option("-n", "n_words", default=15, show_default=True, type=click.IntRange(1, 200),
              help="Words per topic and terms per theme.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--html", "html_out", type=click.Path(dir_okay=False),
              help="Also write an interactive, self-contained view of the topic model here.")
@_verbosity
@click.pass_obj
@_handle_errors
def words(obj, model_dir, n_words, fmt, html_out):
    """Show each theme's terms and topics: the words that explain it, and the LDA topics.

    Per theme: its terms (words and word pairs that decide it, found in at least three
    training documents, no officialese) and the topics seeded by it with their top words
    and coherence; then the free topics. JSON gives each term's score and the number of
    training documents it occurs in.

    Example: topics words -n 10 --format json --html topics.html
    """
    from .pipeline.terms import theme_terms

    _check_stdout()
    started = time.monotonic()
    model = _load(obj, model_dir)
    if html_out:
        from .fileio import atomic_write
        from .render.html import topic_model_html
        from .topic.view import topic_view

        atomic_write(html_out, topic_model_html(topic_view(model.topic_model), model.taxonomy))
    topics = model.topic_model.summary(n_words)
    themes = theme_terms(model.classifier, n_words)
    if fmt == "json":
        click.echo(json.dumps({"topics": topics, "themes": themes}, ensure_ascii=False, indent=2))
    else:
        from .render.tables import words_table

        click.echo(words_table(topics, themes, model.taxonomy, _model_line(model),
                               _table_width(False, None) or 100))
    obj.say(f"topics: {len(topics)} topics, {len(themes)} themes, "
            f"{_model_line(model)}, {time.monotonic() - started:.1f}s")


@main.command()
@click.argument("file", type=click.Path())
@MODEL
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--documents", "docs_dir", type=click.Path(file_okay=False),
              help="Folder of the documents FILE's records name in \"doc\": each is "
                   "classified whole and its labelled units scored in context.")
@_verbosity
@click.pass_obj
@_handle_errors
def evaluate(obj, file, model_dir, fmt, docs_dir):
    """Score the model on labelled sentences (JSON Lines with "text" and "label").

    Each sentence is scored alone; when the records name their document ("report" or
    "doc", in document order) or --documents gives the documents, also in context.
    Prints accuracy, macro-F1, calibration error, per-theme precision/recall/F1 and the
    confusion matrix (of the scores in context when there are some).

    Example: topics evaluate labels.jsonl --documents docs/ --format json
    """
    from .evaluate import evaluate_labels
    from .labelling import loaded

    _check_stdout()
    started = time.monotonic()
    model = loaded(lambda: _load(obj, model_dir))  # it labels: tuned as classify is
    scores = evaluate_labels(model, file, docs_dir)
    if fmt == "json":
        click.echo(json.dumps(scores, ensure_ascii=False, indent=2))
    else:
        _scores_table(scores)
    main_scores = scores.get("in_context", scores["alone"])
    obj.say(f"topics: {main_scores['n']} labelled units scored "
            f"({'in context' if 'in_context' in scores else 'each alone'}): macro-F1 "
            f"{main_scores['macro_f1']:.3f}, {_model_line(model)}, "
            f"{time.monotonic() - started:.1f}s")


def _scores_table(scores: dict) -> None:
    for key, name in (("alone", "each alone"), ("in_context", "in context")):
        if key in scores:
            part = scores[key]
            click.echo(f"{name:11s} {part['n']} sentences   accuracy {part['accuracy']:.3f}   "
                       f"macro-F1 {part['macro_f1']:.3f}   calibration error "
                       f"{part['calibration_error']:.3f}")
    scores = scores.get("in_context", scores["alone"])
    click.echo(f"{'theme':12s} precision  recall     F1  support")
    for theme, s in scores["per_theme"].items():
        click.echo(f"{theme:12s} {s['precision']:9.3f} {s['recall']:7.3f} {s['f1']:6.3f} "
                   f"{s['support']:8d}")
    ids = scores["confusion"]["labels"]
    click.echo("\nconfusion (rows: gold, columns: predicted)")
    click.echo(" " * 12 + "".join(f"{t[:5]:>6s}" for t in ids))
    for theme, row in zip(ids, scores["confusion"]["matrix"], strict=True):
        click.echo(f"{theme:12s}" + "".join(f"{v:6d}" for v in row))


def _host(_ctx, _param, value: str | None) -> str | None:
    """``--host`` as an address, or a name that resolves, to serve on (what waitress binds)."""
    import socket

    if value:  # empty: the default
        try:
            socket.getaddrinfo(value, None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        except (OSError, UnicodeError, ValueError):
            raise click.BadParameter(f"{value!r} is not an address or a known host name"
                                     ) from None
    return value


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@MODEL
@click.option("--labels", "labels_file", type=click.Path(dir_okay=False),
              help="Labels file the corrections go to, at once (default: "
                   "labels/reviewed.jsonl in the folder of the first input; a folder's "
                   "parent). `topics train --labels` reads it.")
@click.option("--port", default=0, type=click.IntRange(0, 65535),
              help="Port to serve on (default: a free one).")
@click.option("--host", default=None, callback=_host,
              help="Address to serve on (default: 127.0.0.1, this machine only). Any other "
                   "lets others on the network read the reports.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser; only print the address.")
@ENCODING
@MAX_SIZE
@click.pass_obj
@_handle_errors
def review(obj, inputs, model_dir, labels_file, port, host, no_browser, encoding, max_size):
    """Review and correct the labels of reports in the browser.

    Serves a page (on this machine only, unless --host) with each report's
    sentences highlighted in their theme: confirm or change them with the
    mouse or the keyboard (1-8, arrows, Enter), report by report or least
    sure first. Every correction is saved at once to the labels file;
    restarting on the same inputs shows what was reviewed. Ctrl-C stops.

    Example: topics review reports/ --labels labels/reviewed.jsonl
    """
    from .labelling import loaded
    from .review.app import create_app, is_loopback, make_server, server_url
    from .review.session import open_review

    bind = host or "127.0.0.1"
    if bind == "localhost":
        bind = "127.0.0.1"
    progress = _Progress(obj)
    model = loaded(lambda: _load(obj, model_dir))
    session = open_review(model, inputs, labels_file, encoding=encoding,
                          max_bytes=config.megabytes(max_size), on_error=progress)
    app = create_app(session)
    try:
        server = make_server(app, bind, port)
    except OSError as exc:
        session.close()
        raise click.ClickException(f"cannot serve on {bind}:{port}: {exc.strerror or exc}"
                                   ) from None
    url = server_url(bind, app.config["PORT"])
    if not is_loopback(bind):
        for line in ("*" * 72,
                     f"WARNING: serving on {bind}, not on this machine only: anyone who can",
                     "reach this address can read these reports and change their labels.",
                     "*" * 72):
            click.echo(f"topics: {line}", err=True)
    progress_now = session.progress()
    opened = session.opened
    if opened and opened.torn_bytes:
        obj.say(f"topics: {session.store.path}: an unfinished last line "
                f"({opened.torn_bytes} bytes) was dropped")
    obj.say(f"topics: {len(session.reports)} reports, {progress_now['total']} units, "
            f"{progress_now['reviewed']} already reviewed, {progress.failed} failed; "
            f"corrections go to {session.store.path}")
    obj.say("topics: Ctrl-C stops the server (every correction is already saved)")
    click.echo(url)
    sys.stdout.flush()
    if not no_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        session.close()
    obj.say(f"topics: stopped; {len(session.store.records)} reviewed units in "
            f"{session.store.path}")


@main.command()
@MODEL
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="table: a summary; json: the whole manifest.")
@_verbosity
@click.pass_obj
@_handle_errors
def info(obj, model_dir, fmt):
    """Show which model is used, how it was made and how well it scored by cross-validation.

    Example: topics info --model models/default --format json
    """
    _check_stdout()
    started = time.monotonic()
    model = _load(obj, model_dir)
    manifest = dict(model.manifest)
    manifest["taxonomy"] = {"themes": model.taxonomy.ids, "fallback": model.taxonomy.fallback}
    manifest["path"] = str(Path(model.path).resolve()) if model.path else None
    if fmt == "json":
        click.echo(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        click.echo(_info_text(model), nl=False)
    obj.say(f"topics: {_model_line(model)}, {time.monotonic() - started:.1f}s")


def _adapted_text(manifest: dict) -> str:
    """What ``topics review``'s Retrain adapted a model from, and its held-out scores."""
    adapted = manifest["adapted"]
    text = (f"\nAdapted by topics review from {adapted.get('from') or 'a model'} to "
            f"{adapted.get('reviewed_units', '?')} reviewed units (L2 {adapted.get('l2')})")
    held = manifest.get("metrics", {}).get("review_cv")
    if not held:
        return text + "; not scored (reviewed units in fewer than two reports)"
    before, after = held["before"], held["after"]
    return (text + f"\nOn the reviewed units, {after['how']}: accuracy {before['accuracy']:.3f} "
            f"-> {after['accuracy']:.3f}, macro-F1 {before['macro_f1']:.3f} -> "
            f"{after['macro_f1']:.3f} (before: the model it was adapted from)")


def _info_text(model) -> str:
    """A model's summary: where, when, from what, and its cross-validated scores per theme."""
    from .render.tables import pad
    from .resolve import training_summary

    manifest = model.manifest
    training = manifest.get("training", {})
    lines = [f"model      {Path(model.path).resolve() if model.path else '(in memory)'}",
             f"made       {str(manifest.get('created', '?')).replace('T', ' ')[:19]} UTC, "
             f"Python {manifest.get('versions', {}).get('python', '?')}",
             f"trained on {training_summary(manifest)}, "
             f"{training.get('sentences', '?')} sentences in all"]
    metrics = manifest.get("metrics", {})
    if metrics.get("recorded"):
        lines.append(f"scores     {metrics['recorded']}")
    context = metrics.get("context_cv")
    names = {t.id: f"{t.id} {t.name_zh}" for t in model.taxonomy.themes}
    if context:
        alone, together = context["alone"], context["in_context"]
        lines.append("")
        lines.append(f"Cross-validated on {context['documents']} labelled documents: "
                     f"{context.get('split', 'grouped by document')}")
        lines.append(f"  {'':22s}{'each unit alone':>18s}{'in its report':>16s}")
        for key, name in (("accuracy", "accuracy"), ("macro_f1", "macro-F1"),
                          ("calibration_error", "calibration error")):
            lines.append(f"  {name:22s}{alone[key]:18.3f}{together[key]:16.3f}")
        lines.append("  F1 per theme:")
        for theme in model.taxonomy.ids:
            lines.append(f"    {pad(names[theme], 20)}{alone['per_theme'][theme]['f1']:18.3f}"
                         f"{together['per_theme'][theme]['f1']:16.3f}"
                         f"   ({together['per_theme'][theme]['support']} units)")
        lines.append(f"  fallback threshold {context['threshold']}: under it a unit is "
                     f"{model.taxonomy.fallback}")
    else:
        cv = metrics.get("classifier_cv", {})
        if cv.get("folds"):
            lines.append("")
            lines.append(f"Cross-validated ({cv['folds']} folds by document): accuracy "
                         f"{cv['accuracy']:.3f}, macro-F1 {cv['macro_f1']:.3f}")
            lines.append("  F1 per theme: " + "  ".join(
                f"{names[t]} {cv['per_theme'][t]['f1']:.2f}" for t in model.taxonomy.ids))
        elif manifest.get("adapted"):
            lines.append(_adapted_text(manifest))
        else:
            lines.append("not cross-validated (fewer than two hand-labelled reports, or "
                         "--no-eval)")
    lines.append("")
    lines.append("The whole manifest: topics info --format json")
    return "\n".join(lines) + "\n"
