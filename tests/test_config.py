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


def test_a_same_size_edit_whose_modification_time_was_restored_is_seen(tmp_path, monkeypatch):
    """cp -p, touch -r or rsync -t put the old mtime back: the kept digest must not be used."""
    monkeypatch.setenv("TOPICS_HOME", str(tmp_path / "home"))
    path = tmp_path / "labels.jsonl"
    path.write_text('{"label": "talent"}\n', encoding="utf-8")

    def compute():
        return path.read_text(encoding="utf-8")

    assert config._cached_digest("data", "1", [path], compute) == '{"label": "talent"}\n'
    before = path.stat()
    with open(path, "r+", encoding="utf-8") as handle:  # same size, same inode
        handle.write('{"label": "reform"}\n')
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert config._cached_digest("data", "1", [path], compute) == '{"label": "reform"}\n'
