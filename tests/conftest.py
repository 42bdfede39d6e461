"""Shared fixtures: a tiny labelled corpus, a tiny trained model, the default model."""

from __future__ import annotations

import json
import signal

import pytest

from topics import config
from topics.bundle import save_model
from topics.labels import LabelledSentence
from topics.taxonomy import load_taxonomy
from topics.train import TrainingData, train_model

# The Ctrl-C tests need SIGINT to arrive. A test run started in the background by a
# non-interactive shell (``cmd &``) has it ignored, and so would every command it starts
# (an ignored signal stays ignored across exec); a handled one is reset to the default.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

TINY = [
    ("深入学习贯彻习近平新时代中国特色社会主义思想，落实第一议题制度。", "political"),
    ("党支部严格落实三会一课制度，开展主题党日活动。", "political"),
    ("坚定拥护两个确立，坚决做到两个维护。", "political"),
    ("举办业务培训班，提升干警履职素能。", "talent"),
    ("建立导师制，通过传帮带培养年轻干部。", "talent"),
    ("组织干警参加全省业务竞赛，两人获评标兵能手。", "talent"),
    ("严格执行三个规定，开展警示教育。", "discipline"),
    ("加强廉政风险防控，推进全面从严治检。", "discipline"),
    ("开展党纪学习教育，正风肃纪，整治四风。", "discipline"),
    ("打造检察文化品牌，弘扬焦裕禄精神。", "culture"),
    ("开展志愿服务活动，举办读书会和讲坛。", "culture"),
    ("传承红色文化，建设检察文化工作室。", "culture"),
    ("完善检察官业绩考核，落实员额退出机制。", "management"),
    ("选拔任用中层干部，推进交流轮岗和职级晋升。", "management"),
    ("落实从优待检，开展谈心谈话，关心关爱干警。", "management"),
    ("依法起诉各类刑事犯罪嫌疑人，办理公益诉讼案件。", "performance"),
    ("开展司法救助，化解信访矛盾，服务民营企业。", "performance"),
    ("加强民事检察和行政检察监督，发出检察建议。", "performance"),
    ("深化司法体制改革，推进数字检察建设。", "reform"),
    ("构建大数据法律监督模型，建设信息化平台。", "reform"),
    ("探索检察改革创新项目，推进智慧检务。", "reform"),
    ("主任、各位副主任、各位委员：", "other"),
    ("现将有关工作情况报告如下，请予审议。", "other"),
    ("本报记者 张三 通讯员 李四", "other"),
]

REPORT = """# 某区人民检察院关于队伍建设情况的报告

主任、各位副主任、各位委员：

## 一、强化政治建设，筑牢忠诚根基

深入学习贯彻习近平新时代中国特色社会主义思想，落实“第一议题”制度。党支部严格落实“三会一
课”制度！

## 二、加强人才培养，提升履职素能

举办业务培训班；建立导师制，通过传帮带培养年轻干部。

三、从严治检，正风肃纪

严格执行“三个规定”，开展警示教育。他说：“要守住底线。坚持到底。”随后散会。
"""


@pytest.fixture(scope="session")
def taxonomy():
    return load_taxonomy(config.taxonomy_path())


@pytest.fixture(scope="session")
def tiny_data():
    sentences = [LabelledSentence(text, label, f"r{i % 3}", i, f"r{i % 3}")
                 for i, (text, label) in enumerate(TINY)]
    return TrainingData(sentences, {})


@pytest.fixture(scope="session")
def tiny_model(taxonomy, tiny_data):
    return train_model(taxonomy, tiny_data, seed=0, n_free_topics=1, evaluate=False)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_model):
    folder = tmp_path_factory.mktemp("models") / "tiny"
    save_model(tiny_model, folder)
    return folder


@pytest.fixture
def report_file(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(REPORT, encoding="utf-8")
    return path


@pytest.fixture
def write_jsonl(tmp_path):
    def write(name, records):
        path = tmp_path / name
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                        encoding="utf-8")
        return path
    return write


@pytest.fixture(scope="session")
def default_home(tmp_path_factory):
    """A TOPICS_HOME in which the built-in default model has been built once."""
    import os

    home = tmp_path_factory.mktemp("topics_home")
    old = os.environ.get("TOPICS_HOME")
    os.environ["TOPICS_HOME"] = str(home)
    try:
        from topics.resolve import default_model

        default_model()
    finally:
        if old is None:
            del os.environ["TOPICS_HOME"]
        else:
            os.environ["TOPICS_HOME"] = old
    return home
