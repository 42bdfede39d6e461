import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from topics.bundle import FORMAT_VERSION
from topics.cli import main


@pytest.fixture
def run():
    def invoke(*args, input=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)
    return invoke


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(main.commands))])
def test_help(run, command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example: topics" in result.output


def test_classify_table(run, tiny_model_dir, report_file):
    result = run("classify", report_file, "--model", tiny_model_dir)
    assert result.exit_code == 0, result.output
    assert "== report.txt" in result.stdout
    assert "Theme profile of report.txt:" in result.stdout
    assert "政治建设" in result.stdout
    assert "1 reports" in result.stderr


def test_classify_jsonl_fields(run, tiny_model_dir, report_file, taxonomy):
    result = run("classify", report_file, "--model", tiny_model_dir, "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records and [r["index"] for r in records] == list(range(len(records)))
    for r in records:
        assert set(r) - {"heading"} == {"report", "index", "text", "theme", "confidence",
                                         "scores", "section"}
        assert r["theme"] in taxonomy.ids


def test_classify_explain_adds_evidence_and_topics_only(run, tiny_model_dir, report_file,
                                                         taxonomy):
    plain = run("classify", report_file, "--model", tiny_model_dir, "--format", "jsonl")
    explained = run("classify", report_file, "--model", tiny_model_dir, "--format", "jsonl",
                    "--explain")
    plain_records = [json.loads(line) for line in plain.stdout.splitlines()]
    records = [json.loads(line) for line in explained.stdout.splitlines()]
    assert len(records) == len(plain_records)
    for short, long in zip(plain_records, records, strict=True):
        extra = {k: long.pop(k) for k in ("evidence", "topic", "topic_theme")}
        assert long == short  # the same theme, confidence and scores
        assert isinstance(extra["topic"], int)
        assert extra["topic_theme"] in taxonomy.ids or extra["topic_theme"] is None
        assert all(isinstance(t, str) and w > 0 for t, w in extra["evidence"])
    assert any(r["evidence"] for r in [json.loads(x) for x in explained.stdout.splitlines()])
    rows = list(csv.DictReader(io.StringIO(run(
        "classify", report_file, "--model", tiny_model_dir, "--format", "csv",
        "--explain").stdout)))
    assert any(r["evidence"] for r in rows) and all(r["topic"] != "" for r in rows)
    rows = list(csv.DictReader(io.StringIO(run(
        "classify", report_file, "--model", tiny_model_dir, "--format", "csv").stdout)))
    assert all(r["evidence"] == r["topic"] == "" for r in rows)


def test_classify_jsonl_input_keeps_ids_and_order(run, tiny_model_dir, write_jsonl):
    path = write_jsonl("units.jsonl", [{"id": "b", "text": "严格执行三个规定。"}, {"id": "a", "text": "举办培训班。"}])
    result = run("classify", path, "--model", tiny_model_dir, "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["text"]) for r in records] == [("b", "严格执行三个规定。"), ("a", "举办培训班。")]


def test_classify_stdin_and_csv_out(run, tiny_model_dir, tmp_path):
    out = tmp_path / "out.csv"
    result = run("classify", "-", "--model", tiny_model_dir, "--format", "csv", "--out", out,
                 input="严格执行三个规定。举办培训班。".encode("gbk"))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["text"] for r in rows] == ["严格执行三个规定。", "举办培训班。"]


def test_classify_batch_goes_on_past_bad_files(run, tiny_model_dir, report_file, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = run("classify", report_file, empty, tmp_path / "missing.txt", "--model", tiny_model_dir,
                 "--format", "jsonl")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        f"topics: error: {empty}: empty report (no text)",
        f"topics: error: {tmp_path / 'missing.txt'}: no such file or directory"]
    assert {json.loads(line)["report"] for line in result.stdout.splitlines()} == {"report.txt"}


def test_classify_failure_leaves_no_output_file(run, tiny_model_dir, tmp_path):
    out = tmp_path / "out.jsonl"
    result = run("classify", tmp_path / "missing.txt", "--model", tiny_model_dir, "--out", out)
    assert result.exit_code == 1
    assert not out.exists()


def test_unreadable_model_directory(run, tmp_path, report_file):
    result = run("classify", report_file, "--model", tmp_path)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path}: not a model bundle (no manifest.json)\n"
    assert result.stdout == ""


def test_words_json(run, tiny_model_dir, taxonomy):
    result = run("words", "--model", tiny_model_dir, "-n", "5", "--format", "json")
    data = json.loads(result.stdout)
    assert data["topics"][0]["id"] == 0
    assert all(len(t["words"]) <= 5 and "coherence" in t for t in data["topics"])
    assert set(data["themes"]) == set(taxonomy.ids)
    for terms in data["themes"].values():  # term, score, training documents it occurs in
        assert all(isinstance(t, str) and s > 0 and n >= 3 for t, s, n in terms)


def test_words_table(run, tiny_model_dir, taxonomy):
    result = run("words", "--model", tiny_model_dir)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"topics words: model {tiny_model_dir.resolve()}, made 20")
    assert lines[1].startswith("9 个话题 topics (8 tied to a theme, 1 free)")
    heads = [line for line in lines if line and not line.startswith(" ")]
    assert heads[2:] == [f"{t.name_zh} {t.id} · {t.name_en}" for t in taxonomy.themes] + [
        "自由话题 free topics (seeded by no theme)"]
    assert lines.count("    词 terms") == len(taxonomy.ids)
    assert sum(line.startswith("    话题 topic ") for line in lines) == 9


def test_evaluate(run, tiny_model_dir, write_jsonl):
    path = write_jsonl("gold.jsonl", [{"text": "严格执行三个规定，开展警示教育。", "label": "discipline"},
                                      {"text": "举办业务培训班。", "label": "talent"}])
    result = run("evaluate", path, "--model", tiny_model_dir, "--format", "json")
    scores = json.loads(result.stdout)
    assert set(scores) == {"alone"}  # no document named: no context
    assert scores["alone"]["n"] == 2 and 0 <= scores["alone"]["macro_f1"] <= 1
    assert 0 <= scores["alone"]["calibration_error"] <= 1
    assert scores["alone"]["confusion"]["labels"][0] == "political"
    table = run("evaluate", path, "--model", tiny_model_dir)
    assert "macro-F1" in table.stdout and "confusion" in table.stdout


def test_evaluate_in_context_by_document_records_and_by_documents_folder(
        run, tiny_model_dir, write_jsonl, tmp_path):
    records = [{"doc": "a.txt", "text": "严格执行三个规定，开展警示教育。", "label": "discipline"},
               {"doc": "a.txt", "text": "举办业务培训班。", "label": "talent"},
               {"doc": "b.txt", "text": "组织主题党日活动。", "label": "political"}]
    path = write_jsonl("gold.jsonl", records)
    scores = json.loads(run("evaluate", path, "--model", tiny_model_dir, "--format",
                            "json").stdout)
    assert scores["alone"]["n"] == scores["in_context"]["n"] == 3
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("# genre: news\n严格执行三个规定，开展警示教育。举办业务培训班。",
                                encoding="utf-8")
    (docs / "b.txt").write_text("组织主题党日活动。", encoding="utf-8")
    scores = json.loads(run("evaluate", path, "--documents", docs, "--model", tiny_model_dir,
                            "--format", "json").stdout)
    assert scores["in_context"]["n"] == 3


def test_evaluate_with_documents_holding_none_of_the_labels(run, tiny_model_dir, write_jsonl,
                                                              tmp_path):
    path = write_jsonl("gold.jsonl", [{"doc": "a.txt", "text": "组织主题党日活动。", "label": "political"}])
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("天气晴朗，万里无云。", encoding="utf-8")
    result = run("evaluate", path, "--documents", docs, "--model", tiny_model_dir)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.splitlines()[-1] == \
        f"Error: {path}: none of its labelled sentences is in the documents of {docs}"


def test_evaluate_unknown_theme(run, tiny_model_dir, write_jsonl):
    path = write_jsonl("gold.jsonl", [{"text": "甲", "label": "sports"}])
    result = run("evaluate", path, "--model", tiny_model_dir)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == \
        f"Error: {path}, line 1: unknown theme 'sports' (the taxonomy has political, talent, " \
        f"discipline, culture, management, performance, reform, other, or their Chinese names)"
    assert "Traceback" not in result.output


def test_info(run, tiny_model_dir):
    result = run("info", "--model", tiny_model_dir, "--format", "json")
    assert json.loads(result.stdout)["format_version"] == FORMAT_VERSION


def test_info_summary_says_which_model_and_its_scores(run, tiny_model_dir, taxonomy):
    result = run("info", "--model", tiny_model_dir)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"model      {tiny_model_dir.resolve()}"
    assert lines[1].startswith("made       20")
    assert len(lines) < 40  # a summary, not the manifest
    assert "macro-F1" in result.stdout or "not cross-validated" in result.stdout
    assert "topics info --format json" in result.stdout
    # the summary line on stderr names the model
    assert f"model {tiny_model_dir.resolve()}, made 20" in result.stderr


def test_every_command_names_its_model_in_its_summary_line(run, tiny_model_dir, report_file,
                                                           write_jsonl):
    gold = write_jsonl("gold.jsonl", [{"text": "严格执行三个规定，开展警示教育。", "label": "discipline"}])
    other = report_file.with_name("other.txt")
    other.write_text("加强队伍建设，严格执行三个规定。", encoding="utf-8")
    for args in (["classify", report_file], ["words"], ["evaluate", gold], ["info"],
                 ["compare", report_file, other]):
        result = run(*args, "--model", tiny_model_dir)
        summary = result.stderr.strip().splitlines()[-1]
        assert summary.startswith("topics: "), (args, result.stderr)
        assert f"model {tiny_model_dir.resolve()}, made 20" in summary, (args, summary)
        assert "hand-labelled" in summary


def test_quiet_and_verbose_work_after_the_command_too(run, tiny_model_dir, report_file):
    before = run("-q", "classify", report_file, "--model", tiny_model_dir)
    after = run("classify", report_file, "--model", tiny_model_dir, "-q")
    assert before.exit_code == after.exit_code == 0
    assert before.stderr == after.stderr == ""
    assert before.stdout == after.stdout
    loud = run("words", "--model", tiny_model_dir)
    assert loud.stderr.startswith("topics: ")
    assert run("words", "--model", tiny_model_dir, "--quiet").stderr == ""


def test_explain_with_the_table_says_where_evidence_is(run, tiny_model_dir, report_file):
    result = run("classify", report_file, "--model", tiny_model_dir, "--explain")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: --explain: the table shows no evidence; use --format jsonl or csv with "
        "--explain, or xlsx or html (they always have it)")


@pytest.mark.parametrize("field,theme", [("label", "discipline"), ("theme", "discipline"),
                                         ("label", "纪律作风"), ("theme", "Discipline and conduct")])
def test_evaluate_takes_theme_or_label_ids_or_names(run, tiny_model_dir, write_jsonl, taxonomy,
                                                    field, theme):
    name_zh = taxonomy["discipline"].name_zh
    theme = name_zh if theme == "纪律作风" else theme
    path = write_jsonl("gold.jsonl", [{"text": "严格执行三个规定，开展警示教育。", field: theme},
                                      {"text": "举办业务培训班。", field: "talent"}])
    result = run("evaluate", path, "--model", tiny_model_dir, "--format", "json")
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)["alone"]
    assert scores["per_theme"]["discipline"]["support"] == 1
    assert scores["per_theme"]["talent"]["support"] == 1


def test_evaluate_without_a_label_names_the_line(run, tiny_model_dir, write_jsonl):
    path = write_jsonl("gold.jsonl", [{"text": "甲", "label": "talent"}, {"text": "乙"}])
    result = run("evaluate", path, "--model", tiny_model_dir)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == \
        f'Error: {path}, line 2: no "label" (or "theme") to score against'
    assert "Traceback" not in result.output


def test_train_refuses_fewer_topics_than_tied_themes_before_any_work(run, tmp_path, report_file):
    target = tmp_path / "model"
    result = run("train", report_file, "--topics", "3", "--out", target)
    assert result.exit_code != 0
    assert result.stderr.splitlines()[-1] == ("Error: --topics 3: fewer than the 8 themes with "
                                              "cue words, each of which has a topic; give at "
                                              "least 8")
    assert not target.exists()


def test_train_on_a_report_with_labels(run, tmp_path, report_file, write_jsonl, monkeypatch):
    from tests.conftest import TINY

    labels = write_jsonl("labels.jsonl", [{"text": t, "label": label, "report": f"r{i % 3}", "index": i}
                                          for i, (t, label) in enumerate(TINY)])
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOPICS_MODEL", raising=False)
    out = Path("models") / "default"  # no --out: the default model of this folder
    result = run("train", report_file, "--labels", labels, "--topics", "9")
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and "Topic coherence" in result.stdout
    assert (f"the model goes to {out}: commands run in this folder will use it instead of "
            f"the built-in default") in result.stderr
    assert f"training on 1 reports (0 with hand labels), 0 labelled documents, {len(TINY)} " \
           f"hand-labelled and " in result.stderr
    assert f"model written to {out}: 1 reports" in result.stderr
    assert result.stderr.rstrip().endswith("it is now the default model in this folder")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metrics"]["classifier_cv"]["folds"] == 3
    assert manifest["training"]["by_source"]["weak-heading"] > 0  # the report had no hand labels
    again = run("classify", report_file, "--format", "jsonl")
    assert again.exit_code == 0
    assert (f"model {out} (trained here; it replaces the built-in default in this folder), "
            f"made 20") in again.stderr


@pytest.mark.parametrize("args,message", [
    (["train", "--labels", "missing.jsonl"], "missing.jsonl: no such file"),
    (["train", "nowhere/"], "nowhere: no such file or directory"),
    (["train", "--taxonomy", "none.toml"], "none.toml: no such taxonomy file"),
    (["evaluate", "missing.jsonl"], "missing.jsonl: no such file"),
])
def test_error_paths(run, tiny_model_dir, args, message, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOPICS_MODEL", str(tiny_model_dir))
    result = run(*args)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
    assert "Traceback" not in result.output


def test_empty_file_is_a_clear_error(run, tiny_model_dir, tmp_path):
    empty = tmp_path / "e.txt"
    empty.write_text("   \n", encoding="utf-8")
    result = run("classify", empty, "--model", tiny_model_dir)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"topics: error: {empty}: empty report (no text)"


def test_classify_streams_reports_and_writes_nothing_when_all_fail(run, tiny_model_dir, report_file, tmp_path):
    second = tmp_path / "second.txt"
    second.write_text("严格执行三个规定。", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run("classify", report_file, second, "--model", tiny_model_dir, "--format", "csv", "--out", out)
    assert result.exit_code == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("report,index") and sum(line.startswith("report,") for line in lines) == 1
    assert lines[-1].startswith("second.txt,0")
    table = run("classify", report_file, second, "--model", tiny_model_dir)
    assert table.stdout.count("Theme profile of") == 3  # each report and the whole batch
    missing = tmp_path / "none.jsonl"
    failed = run("classify", tmp_path / "nothing.txt", "--model", tiny_model_dir, "--out", missing)
    assert failed.exit_code == 1 and not missing.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("explain", [(), ("--explain",)])
def test_parallel_classify_gives_the_same_output_in_the_same_order(run, tiny_model_dir, tmp_path,
                                                                   explain):
    import shutil

    from topics import config

    folder = tmp_path / "in"
    folder.mkdir()
    for seed in config.seed_paths():
        shutil.copy(seed, folder / seed.name)
    (folder / "002_broken.txt").write_bytes(b"")
    one = run("classify", folder, "--model", tiny_model_dir, "--format", "jsonl", "--jobs", "1",
              *explain)
    two = run("classify", folder, "--model", tiny_model_dir, "--format", "jsonl", "--jobs", "2",
              *explain)
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout and one.stdout.count("\n") > 500
    assert [line for line in two.stderr.splitlines() if "error" in line] == \
           [f"topics: error: {folder / '002_broken.txt'}: empty report (no text)"]


def test_labelling_processes_keep_freed_memory_on_glibc():
    import platform

    from topics.parallel.tuning import keep_freed_memory

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert keep_freed_memory() is True


def test_help_covers_every_command():
    assert sorted(main.commands) == ["classify", "compare", "evaluate", "info", "review",
                                     "select-k", "train", "words"]


def test_compare_of_reports_with_one_name_names_them_by_their_folders(run, tiny_model_dir,
                                                                      tmp_path):
    for year in ("2023", "2024"):
        (tmp_path / year).mkdir()
        (tmp_path / year / "工作报告.txt").write_text("加强廉政风险防控，推进全面从严治检。\n",
                                                   encoding="utf-8")
    result = run("compare", tmp_path / "2023" / "工作报告.txt", tmp_path / "2024" / "工作报告.txt",
                 "--model", tiny_model_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        f"Reports: [1] 2023 ({tmp_path / '2023' / '工作报告.txt'}, 1 units); "
        f"[2] 2024 ({tmp_path / '2024' / '工作报告.txt'}, 1 units)\n")


def test_jobs_with_scheduler_is_a_usage_error(run, tiny_model_dir, report_file):
    result = run("classify", report_file, "--jobs", "2", "--scheduler", "local:1",
                 "--model", tiny_model_dir)
    assert result.exit_code == 2
    assert result.output.endswith(
        "Error: --jobs and --scheduler (or TOPICS_SCHEDULER) do not go together: on a cluster "
        "its workers are the processes (local:N starts N here)\n")


def _broken(*_args, **_kwargs):
    raise RuntimeError("boom")


@pytest.mark.parametrize("verbose", [False, True])
def test_a_bug_shows_as_a_bug(run, tiny_model_dir, report_file, monkeypatch, capsys, verbose):
    monkeypatch.setattr("topics.pipeline.model.ThemeModel._first_stage", _broken)
    result = run(*(["-v"] if verbose else []), "classify", report_file, "--model",
                 tiny_model_dir, "--format", "csv")
    assert result.exit_code == 1
    line = ("Error: RuntimeError: boom: this is a bug in topics: please report it with the "
            "command you ran and the traceback that -v shows")
    assert result.output.endswith(line + ("\n" if verbose else " (run with -v to see it)\n"))
    assert ("Traceback" in result.output + capsys.readouterr().err) == verbose


@pytest.mark.parametrize("value", ["inf", "1e308", "nan", "NaN"])
@pytest.mark.parametrize("command", [["classify"], ["compare"], ["review", "--no-browser"],
                                     ["select-k"], ["train"]])
def test_max_size_must_be_a_finite_number_of_mb(run, report_file, command, value):
    result = run(*command, "--max-size", value, report_file)
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--max-size': must be a finite number of MB\n")
