"""The private loader of rjieba's tokenizer class."""


def test_rjieba_class_is_the_package_class():
    import rjieba

    from topics.text._rjieba import rjieba_class

    assert rjieba_class() is rjieba.Jieba
