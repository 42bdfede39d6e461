import pytest

from topics.errors import TaxonomyError
from topics.taxonomy import Taxonomy, load_taxonomy

IDS = ["political", "talent", "discipline", "culture", "management", "performance", "reform", "other"]


def test_default_taxonomy_has_the_eight_themes_with_names_and_cues(taxonomy):
    assert taxonomy.ids == IDS
    assert taxonomy.fallback == "other"
    for theme in taxonomy.themes:
        assert theme.name_zh and theme.name_en and theme.description
        assert len(theme.cues) >= 30
    assert taxonomy["discipline"].cues["三个规定"] == 3
    assert any("main clause" in rule for rule in taxonomy.rules)


def test_round_trip_through_a_dict(taxonomy):
    again = Taxonomy.from_dict(taxonomy.to_dict())
    assert again.ids == taxonomy.ids and again.themes[0].cues == taxonomy.themes[0].cues


def _write(tmp_path, text):
    path = tmp_path / "tax.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_taxonomy_with_other_ids(tmp_path):
    path = _write(tmp_path, 'fallback = "misc"\n[[themes]]\nid = "econ"\n[themes.cues]\n"经济" = 2\n'
                            '[[themes]]\nid = "misc"\n')
    assert load_taxonomy(path).ids == ["econ", "misc"]


@pytest.mark.parametrize("text,message", [
    ('[[themes]]\nid = "a"\n[[themes]]\nid = "a"\n', "duplicate theme id 'a'"),
    ('[[themes]]\nid = "a"\n', "fallback theme 'other'"),
    ('[[themes]]\nid = "Bad Id"\n', "no valid id"),
    ('fallback = "a"\n[[themes]]\nid = "a"\n[themes.cues]\n"词" = -1\n', "a weight above 0"),
    ('fallback = "a"\n[[themes]]\nid = "a"\n[themes.cues]\n"词" = inf\n', "at most 1000"),
    ('fallback = "a"\n[[themes]]\nid = "a"\n[themes.cues]\n"词" = nan\n', "a weight above 0"),
    ('fallback = "a"\n[[themes]]\nid = "a"\n[themes.cues]\n"" = 1\n', "hold an empty word"),
    ("themes = [", "not valid TOML"),
    ("", "no [[themes]]"),
])
def test_bad_taxonomies_are_refused(tmp_path, text, message):
    with pytest.raises(TaxonomyError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_taxonomy(_write(tmp_path, text))


def test_missing_taxonomy_file(tmp_path):
    with pytest.raises(TaxonomyError, match="no such taxonomy file"):
        load_taxonomy(tmp_path / "none.toml")
