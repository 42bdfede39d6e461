"""The data fingerprint, kept in the user cache under the files' sizes and times."""

import json
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


def test_installed_versions_are_metadatas_and_kept_until_a_folder_searched_changes(
        tmp_path, monkeypatch):
    import sys
    from importlib import metadata

    monkeypatch.setenv("TOPICS_HOME", str(tmp_path / "home"))
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(sys, "path", [*sys.path, str(site), str(tmp_path / "not yet")])
    names = ("numpy", "click", "no-such-distribution-here")
    expected = {"numpy": metadata.version("numpy"), "click": metadata.version("click"),
                "no-such-distribution-here": None}
    looked_up = []
    real_version = metadata.version
    monkeypatch.setattr(metadata, "version",
                        lambda name: looked_up.append(name) or real_version(name))
    assert config.installed_versions(names) == expected
    assert len(looked_up) == 3
    assert config.installed_versions(names) == expected
    assert len(looked_up) == 3  # kept
    (site / "numpy-0.0.1.dist-info").mkdir()  # what installing into a searched folder does
    config.installed_versions(names)
    assert len(looked_up) == 6
    config.installed_versions(names)
    assert len(looked_up) == 6
    (tmp_path / "not yet").mkdir()  # a searched folder that comes into being
    config.installed_versions(names)
    assert len(looked_up) == 9
    kept_path = tmp_path / "home" / "fingerprints.json"
    kept = json.loads(kept_path.read_text(encoding="utf-8"))
    kept["versions numpy click no-such-distribution-here"]["digest"] = '{"numpy": 5}'
    kept_path.write_text(json.dumps(kept), encoding="utf-8")  # damaged, under its key
    assert config.installed_versions(names) == expected
    assert len(looked_up) == 12
