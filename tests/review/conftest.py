import pytest

from tests.conftest import REPORT, TINY


@pytest.fixture
def reports(tmp_path):
    """Two reports in a folder: the shared test report and one of the tiny corpus' sentences."""
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text(REPORT, encoding="utf-8")
    (folder / "b.txt").write_text("\n".join(text for text, _ in TINY) + "\n", encoding="utf-8")
    return folder
