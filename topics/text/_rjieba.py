"""Load rjieba's tokenizer class without the tokenizer its package builds on import."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def rjieba_class():
    """The ``Jieba`` class of rjieba, or None when rjieba is not installed.

    Importing the ``rjieba`` package builds a default tokenizer that topics never uses
    (0.1 s, in every process that labels); the compiled module is loaded on its own when
    the package has the usual layout, and ``import rjieba`` is the fallback.
    """
    import importlib.machinery
    import importlib.util
    import sys

    module = sys.modules.get("rjieba.rjieba")
    if module is None:
        try:
            package = importlib.util.find_spec("rjieba")
        except (ImportError, ValueError):
            package = None
        if package is None:
            return None
        for folder in package.submodule_search_locations or ():
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = Path(folder, "rjieba" + suffix)
                if path.is_file():
                    spec = importlib.util.spec_from_file_location("rjieba.rjieba", path)
                    try:
                        module = importlib.util.module_from_spec(spec)
                        spec.loader.exec_module(module)
                    except ImportError:
                        module = None
                    break
            if module is not None:
                sys.modules["rjieba.rjieba"] = module
                break
    if module is None or not hasattr(module, "Jieba"):
        try:
            import rjieba
        except ImportError:
            return None
        return rjieba.Jieba
    return module.Jieba
