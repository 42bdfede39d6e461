"""The public API: every name of ``topics.__all__`` imports; the version is the package's."""

from importlib import metadata

import pytest

import topics


@pytest.mark.parametrize("name", topics.__all__)
def test_every_public_name_imports(name):
    assert getattr(topics, name) is not None


def test_public_names_are_listed():
    assert set(topics.__all__) <= set(dir(topics))


def test_read_report_reads_a_report(tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("一、加强党的建设\n全面从严治检。\n", encoding="utf-8")
    assert "全面从严治检" in topics.read_report(path).text


def test_one_version():
    assert topics.__version__ == metadata.version("topics")


def test_unknown_names_are_attribute_errors():
    with pytest.raises(AttributeError):
        topics.no_such_name  # noqa: B018
