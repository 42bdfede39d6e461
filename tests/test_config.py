"""The data fingerprint, kept in the user cache under the files' sizes and times."""

import os

from topics import config


def test_a_kept_digest_is_used_only_while_the_files_are_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPICS_HOME", str(tmp_path / "home"))
    files = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for path in files:
        path.write_text(path.name, encoding="utf-8")
    computed = []

    def compute():
        computed.append(1)
        return "".join(p.read_text(encoding="utf-8") for p in files)

    assert config._cached_digest("t", "1", files, compute) == "a.txtb.txt"
    assert config._cached_digest("t", "1", files, compute) == "a.txtb.txt"
    assert len(computed) == 1  # kept
    files[1].write_text("changed", encoding="utf-8")
    os.utime(files[1], ns=(1, 1))  # even with an old time: the size differs
    assert config._cached_digest("t", "1", files, compute) == "a.txtchanged"
    assert config._cached_digest("t", "2", files, compute) == "a.txtchanged"  # a new version
    assert len(computed) == 3
    (tmp_path / "home" / "fingerprints.json").write_text("{not json", encoding="utf-8")
    assert config._cached_digest("t", "2", files, compute) == "a.txtchanged"
    assert len(computed) == 4


def test_the_data_fingerprint_kept_is_the_one_computed(tmp_path, monkeypatch):
    from importlib import metadata

    monkeypatch.setenv("TOPICS_HOME", str(tmp_path))
    first = config.data_fingerprint()
    assert (tmp_path / "fingerprints.json").is_file()
    assert config.data_fingerprint() == first
    documents = [path for docs, labels in config.document_sets()
                 for path in (labels, *sorted(docs.glob("*.txt")))]
    files = [config.taxonomy_path(), *config.label_paths(), *config.seed_paths(), *documents,
             *sorted((config.recorded_fit_path().parent).glob("*.txt"))]
    assert first == config._data_digest(metadata.version("topics"), files)
