import json

import pytest

from topics.bundle import load_model
from topics.errors import InputError, LabelError, UsageError
from topics.review.app import create_app, is_loopback
from topics.review.session import default_labels_path, open_review

PORT = 8765
HOST = f"127.0.0.1:{PORT}"


@pytest.fixture(scope="module")
def model(tiny_model_dir):
    return load_model(tiny_model_dir)


@pytest.fixture
def session(model, reports):
    session = open_review(model, [str(reports)])
    yield session
    session.close()


@pytest.fixture
def client(session):
    app = create_app(session, "127.0.0.1", PORT, token="secret-token")
    return app.test_client()


def post(client, body, token="secret-token", **headers):
    return client.post("/api/label", data=json.dumps(body), content_type="application/json",
                       headers={"Host": HOST, "X-CSRF-Token": token, **headers})


def test_the_labels_file_goes_beside_the_inputs(tmp_path, reports, session):
    assert default_labels_path([str(reports)]) == tmp_path / "labels" / "reviewed.jsonl"
    assert default_labels_path([str(reports / "a.txt")]) == reports / "labels" / "reviewed.jsonl"
    assert session.store.path == tmp_path / "labels" / "reviewed.jsonl"


def test_the_labels_file_is_never_an_input(model, reports):
    labels = reports / "reviewed.jsonl"
    first = open_review(model, [str(reports)], labels)
    first.label(0, 0, "reform")
    first.close()
    again = open_review(model, [str(reports)], labels)
    assert [r.name for r in again.reports] == ["a.txt", "b.txt"]


def test_the_page_carries_its_token_and_only_its_own_assets(client):
    page = client.get("/", headers={"Host": HOST})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'content="secret-token"' in html
    assert "http" not in html.replace('name="viewport"', "")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    for asset in ("/static/review.js", "/static/review.css"):
        body = client.get(asset, headers={"Host": HOST}).get_data(as_text=True)
        assert body and "http://" not in body and "https://" not in body


def test_state_report_and_queue(client, session):
    state = client.get("/api/state", headers={"Host": HOST}).get_json()
    assert [t["id"] for t in state["themes"]] == session.taxonomy.ids
    assert [r["name"] for r in state["reports"]] == ["a.txt", "b.txt"]
    total = sum(r["units"] for r in state["reports"])
    assert state["progress"]["total"] == total and state["progress"]["reviewed"] == 0
    units = client.get("/api/report/1", headers={"Host": HOST}).get_json()["units"]
    assert [u["text"] for u in units] == [r.text for r in session.reports[1].results]
    assert all(u["r"] == 1 and u["label"] is None for u in units)
    queue = client.get("/api/queue?limit=1000", headers={"Host": HOST}).get_json()["units"]
    assert len(queue) == total
    gaps = [sorted(u["scores"].values())[-1] - sorted(u["scores"].values())[-2] for u in queue]
    # smallest margin first; the scores shown are rounded to 4 places, so a gap may be 1e-4
    # off, and two gaps 2e-4 out of order
    assert all(later >= gap - 2e-4 for gap, later in zip(gaps, gaps[1:], strict=False))
    assert gaps[0] < gaps[-1]
    assert client.get("/api/report/9", headers={"Host": HOST}).status_code == 404


def test_a_label_is_saved_shown_and_leaves_the_queue(client, session):
    unit = session.reports[0].results[2]
    other = next(t for t in session.taxonomy.ids if t != unit.theme)
    answer = post(client, {"r": 0, "u": 2, "label": other})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["unit"]["label"] == other
    assert body["progress"]["reviewed"] == 1 and body["progress"]["changed"] == 1
    assert body["progress"]["per_theme"][other]["changed_to"] == 1
    record = json.loads(session.store.path.read_text(encoding="utf-8"))
    assert (record["report"], record["index"], record["text"], record["label"],
            record["model_label"]) == ("a.txt", unit.index, unit.text, other, unit.theme)
    queue = client.get("/api/queue?limit=1000", headers={"Host": HOST}).get_json()["units"]
    assert (0, 2) not in {(u["r"], u["u"]) for u in queue}
    units = client.get("/api/report/0", headers={"Host": HOST}).get_json()["units"]
    assert units[2]["label"] == other


@pytest.mark.parametrize(("body", "message"), [
    ({"r": 5, "u": 0, "label": "talent"}, "no report 5"),
    ({"r": 0, "u": 999, "label": "talent"}, "no unit 999"),
    ({"r": "../../etc/passwd", "u": 0, "label": "talent"}, "no report"),
    ({"r": 0, "u": 0, "label": "nope"}, "unknown theme 'nope'"),
])
def test_bad_labels_are_refused(client, session, body, message):
    answer = post(client, body)
    assert answer.status_code == 400
    assert message in answer.get_json()["error"]
    assert not session.store.path.exists()


@pytest.mark.parametrize(("headers", "token"), [
    ({"Origin": "http://evil.example"}, "secret-token"),
    ({"Origin": "http://127.0.0.1:9999"}, "secret-token"),
    ({"Sec-Fetch-Site": "cross-site"}, "secret-token"),
    ({}, "wrong-token"),
    ({}, ""),
    ({"Host": "evil.example"}, "secret-token"),
    ({"Host": f"evil.example:{PORT}"}, "secret-token"),
])
def test_requests_from_elsewhere_are_refused(client, session, headers, token):
    answer = post(client, {"r": 0, "u": 0, "label": "talent"}, token=token, **headers)
    assert answer.status_code == 403
    assert not session.store.path.exists()


def test_the_same_origin_with_its_token_is_accepted(client, session):
    answer = post(client, {"r": 0, "u": 0, "label": "talent"},
                  Origin=f"http://{HOST}", **{"Sec-Fetch-Site": "same-origin"})
    assert answer.status_code == 200


def test_reads_answer_only_to_this_servers_name(client):
    assert client.get("/api/state", headers={"Host": "attacker.example"}).status_code == 403
    assert client.get("/api/state", headers={"Host": f"localhost:{PORT}"}).status_code == 200


def test_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")


def test_review_refuses_stdin_and_nothing_readable(model, tmp_path):
    with pytest.raises(UsageError, match="not standard input"):
        open_review(model, ["-"])
    errors = []
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="no readable reports"):
        open_review(model, [str(tmp_path / "empty.txt"), str(tmp_path / "missing.txt")],
                    on_error=errors.append)
    assert sorted(str(e).split(": ")[0][-9:] for e in errors) == ["empty.txt", "ssing.txt"]


def test_a_label_that_cannot_be_written_is_an_error_and_not_shown(client, session):
    session.store.path.mkdir()  # the file cannot be opened for writing, even by root
    answer = post(client, {"r": 0, "u": 0, "label": "talent"})
    assert answer.status_code == 500
    assert answer.get_json()["error"].startswith(f"{session.store.path}: cannot write: ")
    assert session.store.get(("a.txt", 0)) is None
    units = client.get("/api/report/0", headers={"Host": HOST}).get_json()["units"]
    assert units[0]["label"] is None


def test_one_review_at_a_time_writes_a_labels_file(model, reports, session):
    with pytest.raises(LabelError, match="in use by another topics review"):
        open_review(model, [str(reports)])
    session.close()
    open_review(model, [str(reports)]).close()


def test_reports_of_one_name_in_two_folders_are_told_apart(model, tmp_path, reports):
    twin = tmp_path / "2024"
    twin.mkdir()
    (twin / "a.txt").write_text((reports / "b.txt").read_text(encoding="utf-8"),
                                encoding="utf-8")
    session = open_review(model, [str(reports / "a.txt"), str(twin)],
                          tmp_path / "reviewed.jsonl")
    try:
        assert [r.name for r in session.reports] == ["a.txt", f"{twin.as_posix()}/a.txt"]
        session.label(1, 0, "reform")
        assert session.store.get((f"{twin.as_posix()}/a.txt", 0))["label"] == "reform"
        assert session.store.get(("a.txt", 0)) is None
    finally:
        session.close()
