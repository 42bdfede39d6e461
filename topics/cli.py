"""The ``topics`` command line: a thin layer over the library that talks to the terminal."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path

import click

from . import config

# -- options shared by several commands (sqlite-utils' output_options) ---------------------

MAX_SIZE = click.option(
    "--max-size", default=config.MAX_SIZE_MB, show_default=True, type=click.FloatRange(0.001),
    help="Refuse report files larger than this many MB rather than read them whole.")
MODEL = click.option(
    "--model", "model_dir", envvar="TOPICS_MODEL", type=click.Path(),
    help="Model folder (default: $TOPICS_MODEL, else ./models/default if it exists, else the "
         "built-in model, built on first use).")
OUT = click.option("--out", type=click.Path(dir_okay=False),
                   help="Write here (atomically), not stdout.")
ENCODING = click.option("--encoding", help="Force the text encoding of reports (e.g. gbk).")


class Context:
    """Options shared by every command."""

    def __init__(self, verbose: int, quiet: bool):
        self.verbose = verbose
        self.quiet = quiet

    def say(self, message: str) -> None:
        """People-talk on stderr, unless --quiet."""
        if not self.quiet:
            click.echo(message, err=True)


BUG_REPORT = ("this is a bug in topics: please report it with the command you ran and the "
              "traceback that -v shows")


def _handle_errors(command):
    """Turn the library's errors into one-line messages and exit codes (tracebacks with -v).

    Only the library's own errors (``TopicsError``) are the user's to fix; anything else is
    a bug and says so: its traceback with -v, a line asking to report it without.
    """

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from .errors import TopicsError, UsageError

        ctx = click.get_current_context().find_object(Context)
        try:
            return command(*args, **kwargs)
        except UsageError as exc:
            raise click.UsageError(str(exc)) from None
        except TopicsError as exc:
            if ctx and ctx.verbose:
                traceback.print_exc()
            raise click.ClickException(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.ClickException("interrupted") from None
        except BrokenPipeError:
            # the reader of our output went away (e.g. `| head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as exc:
            if ctx and ctx.verbose:
                traceback.print_exc()
                raise click.ClickException(f"{type(exc).__name__}: {exc}: {BUG_REPORT}") from None
            raise click.ClickException(f"{type(exc).__name__}: {exc}: {BUG_REPORT} (run with "
                                       f"-v to see it)") from None

    return wrapper


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
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="topics: %(message)s", stream=sys.stderr)


def _progress(obj: Context):
    """Progress of long work: on a terminal or with -v, never with --quiet."""
    started = time.monotonic()
    show = not obj.quiet and (obj.verbose or sys.stderr.isatty())

    def progress(message: str) -> None:
        if show:
            click.echo(f"topics: [{time.monotonic() - started:5.1f}s] {message}", err=True)
    return progress


def _load(obj: Context, model_dir: str | None):
    from .resolve import resolve_model

    return resolve_model(model_dir, _progress(obj), lambda m: obj.say(f"topics: {m}"))


def _emit(text: str | bytes, out: str | None, bom: bool = False) -> None:
    """Write output to stdout, or atomically to ``out``."""
    from .fileio import atomic_write

    if isinstance(text, bytes):
        atomic_write(out, text)
    elif out:
        atomic_write(out, ("\ufeff" if bom else "") + text)
    else:
        click.echo(text, nl=False)


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
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
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
    from .bundle import save_model
    from .errors import InputError
    from .read.files import expand_inputs
    from .taxonomy import load_taxonomy
    from .text.segment import Segmenter
    from .train import collect_training_data, map_here, select_params, train_model

    started = time.monotonic()
    progress = _progress(obj)
    tax = load_taxonomy(taxonomy or config.taxonomy_path())
    document_sets = []
    if not reports and not label_files:
        paths = [str(p) for p in config.seed_paths()]
        label_files = [str(p) for p in config.label_paths()]
        document_sets = config.document_sets()
    else:
        paths = []
        for item in expand_inputs(reports):
            if isinstance(item, InputError):
                raise item
            if item == "-":
                raise InputError("-: train reads report files, not stdin")
            paths.append(item)
    with contextlib.ExitStack() as cluster:
        mapper = map_here
        if scheduler:
            from .parallel.cluster import cluster_mapper, connect

            client = cluster.enter_context(connect(scheduler, _dask_log_level(obj),
                                                   _progress(obj)))
            mapper = cluster_mapper(client, config.megabytes(max_size))
        progress(f"reading {len(paths)} reports")
        data = collect_training_data(tax, list(label_files), paths,
                                     config.megabytes(max_size),
                                     max_weak, seed, mapper, document_sets)
        tied = sum(1 for t in tax.themes if t.cues)
        segmenter = Segmenter(tuple(user_dict), tuple(stopwords))
        params, trials = {}, None
        if select:
            params, trials = select_params(data, tax, segmenter, seed, progress)
            progress(f"chosen: {params}")
        model = train_model(tax, data, seed=seed, n_free_topics=max(0, n_topics - tied),
                            classifier_params=params, segmenter=segmenter,
                            evaluate=not no_eval, progress=progress, mapper=mapper)
    if trials:
        model.manifest["classifier"]["selection"] = {"split": "leave-one-report-out",
                                                     "trials": trials}
    save_model(model, out, wait=lambda message: obj.say(f"topics: {message}"))
    click.echo(_metrics_text(model.manifest["metrics"], tax.ids), nl=False)
    obj.say(f"topics: model written to {out}: {len(paths)} reports, "
            f"{len(data.sentences)} sentences, {time.monotonic() - started:.1f}s")


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
        lines.append(f"Classifier: {cv.get('note')}")
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

    Called with an ``InputError`` (as ``on_error``), it says so and counts it.
    """

    def __init__(self, obj: Context):
        self.obj, self.bar, self.failed = obj, None, 0

    def __call__(self, exc) -> None:
        self.failed += 1
        click.echo(f"{chr(10) if self.bar else ''}topics: error: {exc}", err=True)
        self.step()

    def step(self) -> None:
        """One more input done."""
        if self.bar is not None:
            self.bar.update(1)

    @contextlib.contextmanager
    def over(self, items: list):
        """Show the bar, with counts and an estimate, only on a terminal and for 2+ inputs."""
        if self.obj.quiet or not sys.stderr.isatty() or len(items) < 2:
            yield self
            return
        with click.progressbar(length=len(items), label="labelling", file=sys.stderr,
                               show_pos=True, show_eta=True) as self.bar:
            yield self
        self.bar = None


class _Sink(contextlib.ExitStack):
    """Output written as it comes: to stdout, or to a temporary file renamed at the end.

    The file is opened at the first write, so a run that labels nothing writes nothing;
    an error inside the ``with`` block removes it.
    """

    def __init__(self, out: str | None, bom: bool = False):
        super().__init__()
        self.out, self.bom, self._handle = out, bom, None

    def write(self, text: str | bytes) -> None:
        """Write text, or bytes already encoded in UTF-8."""
        if not self.out:
            click.echo(text, nl=False)
            return
        if self._handle is None:
            from .fileio import atomic_file

            self._handle = self.enter_context(atomic_file(self.out))
            if self.bom:
                self._handle.write("\ufeff".encode())
        self._handle.write(text.encode("utf-8") if isinstance(text, str) else text)


def _check_out(fmt: str, out: str | None) -> None:
    if fmt == "xlsx" and not out:
        raise click.UsageError("--format xlsx writes a binary workbook: give --out FILE.xlsx")


def _write_labelled(labelled, fmt: str, out: str | None, progress: _Progress) -> tuple[int, int]:
    """Write each labelled report as it comes, or all at the end (xlsx, html); count them.

    Returns the numbers of reports and of units written.
    """
    from .config import N_TOPIC_WORDS
    from .render.outputs import BOM_FORMATS, WHOLE_FORMATS, whole_output

    kept, n_reports, n_units = [], 0, 0
    with _Sink(out, bom=fmt in BOM_FORMATS) as sink, progress.over(labelled.items):
        for name, results in labelled:
            progress.step()
            if fmt in WHOLE_FORMATS:
                kept.append((name, results, labelled.model.profile(results)))
            else:
                sink.write(labelled.render.before(n_reports))
                sink.write(results.data)
            n_reports, n_units = n_reports + 1, n_units + len(results)
        if kept:
            model = labelled.model
            sink.write(whole_output(fmt, kept, model.taxonomy,
                                    model.topic_model.summary(N_TOPIC_WORDS)))
    return n_reports, n_units


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
@click.option("--jobs", "-j", type=click.IntRange(0),
              help="Processes for a batch of files (0: one per core; default: chosen from "
                   "the number and size of the files and the cores, -v says); output order "
                   "is kept.")
@click.option("--scheduler", envvar="TOPICS_SCHEDULER", metavar="ADDRESS",
              help="Label on a Dask cluster: its scheduler (tcp://HOST:8786), or local[:N] "
                   "for N worker processes here (default: one per core). Same output. "
                   "Needs topics[cluster]. Env: TOPICS_SCHEDULER.")
@click.pass_obj
@_handle_errors
def classify(obj, inputs, model_dir, fmt, out, encoding, max_size, explain, jobs, scheduler):
    """Label every sentence of reports with a theme and a confidence.

    INPUTS are report files (.txt/.md in any common Chinese encoding, .docx,
    .pdf), folders of them, - for stdin, or .jsonl files whose records' "text"
    fields are units (their "id" is kept). A file that cannot be read is
    reported and skipped; the exit code is 1 if any was. xlsx and html hold
    every report's sentences, profile and the topic words.

    Example: topics classify reports/ --format html --out report.html
    """
    from .labelling import label_many
    from .render.outputs import renderer

    _check_out(fmt, out)
    started, progress = time.monotonic(), _Progress(obj)
    labelled = label_many(lambda: _load(obj, model_dir), inputs,
                          lambda model: renderer(fmt, model.taxonomy, explain), jobs=jobs,
                          scheduler=scheduler, encoding=encoding,
                          max_bytes=config.megabytes(max_size), on_error=progress,
                          progress=_progress(obj),
                          cluster_log_level=_dask_log_level(obj))
    n_reports, n_units = _write_labelled(labelled, fmt, out, progress)
    obj.say(f"topics: {n_reports} reports, {n_units} units labelled, "
            f"{progress.failed} failed, {time.monotonic() - started:.1f}s")
    if progress.failed:
        sys.exit(1)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@MODEL
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "xlsx", "html"]),
              default="table", show_default=True)
@OUT
@ENCODING
@click.option("-n", "n_typical", default=3, show_default=True, type=click.IntRange(0, 50),
              help="Typical sentences per theme and report.")
@MAX_SIZE
@click.pass_obj
@_handle_errors
def compare(obj, inputs, model_dir, fmt, out, encoding, n_typical, max_size):
    """Compare the theme profiles of two or more reports.

    Each INPUT (a report, or a folder whose reports are pooled) is one column:
    theme shares side by side, differences from the first in percentage
    points, and each one's most typical sentences per theme.

    Example: topics compare report_2023.docx report_2024.docx --format html --out cmp.html
    """
    from .labelling import compare_inputs, loaded
    from .render.outputs import BOM_FORMATS, comparison_output

    if len(inputs) < 2:
        raise click.UsageError("compare needs at least two reports or folders")
    _check_out(fmt, out)
    started, failed = time.monotonic(), _Progress(obj)
    model = loaded(lambda: _load(obj, model_dir))
    comparison = compare_inputs(model, list(inputs), n_typical, encoding=encoding,
                                max_bytes=config.megabytes(max_size), on_error=failed)
    _emit(comparison_output(fmt, comparison, model.taxonomy), out, bom=fmt in BOM_FORMATS)
    obj.say(f"topics: compared {len(comparison.names)} inputs, {failed.failed} failed, "
            f"{time.monotonic() - started:.1f}s")
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
@click.pass_obj
@_handle_errors
def words(obj, model_dir, n_words, fmt, html_out):
    """Show each topic's theme, coherence and top words, and each theme's strongest terms.

    Example: topics words -n 10 --format json --html topics.html
    """
    model = _load(obj, model_dir)
    if html_out:
        from .render.html import topic_model_html
        from .topic.view import topic_view

        _emit(topic_model_html(topic_view(model.topic_model), model.taxonomy), html_out)
    topics = model.topic_model.summary(n_words)
    themes = model.classifier.top_terms(n_words)
    if fmt == "json":
        click.echo(json.dumps({"topics": topics, "themes": themes}, ensure_ascii=False, indent=2))
        return
    for topic in topics:
        coherence = ", ".join(f"{k} {v}" for k, v in topic["coherence"].items())
        click.echo(f"topic {topic['id']:2d}  {topic['theme'] or 'free':12s} ({coherence})")
        click.echo("    " + " ".join(w for w, _ in topic["words"]))
    click.echo("")
    for theme, terms in themes.items():
        click.echo(f"theme {theme}:")
        click.echo("    " + " ".join(t for t, _ in terms))


@main.command()
@click.argument("file", type=click.Path())
@MODEL
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--documents", "docs_dir", type=click.Path(file_okay=False),
              help="Folder of the documents FILE's records name in \"doc\": each is "
                   "classified whole and its labelled units scored in context.")
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

    model = loaded(lambda: _load(obj, model_dir))  # it labels: tuned as classify is
    scores = evaluate_labels(model, file, docs_dir)
    if fmt == "json":
        click.echo(json.dumps(scores, ensure_ascii=False, indent=2))
        return
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


@main.command()
@MODEL
@click.pass_obj
@_handle_errors
def info(obj, model_dir):
    """Show what a model's manifest says: how it was made and how well it scored.

    Example: topics info --model models/default
    """
    model = _load(obj, model_dir)
    manifest = dict(model.manifest)
    manifest["taxonomy"] = {"themes": model.taxonomy.ids, "fallback": model.taxonomy.fallback}
    manifest["path"] = str(Path(model.path).resolve()) if model.path else None
    click.echo(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True))
