"""``scipy.sparse``, imported without numpy's lazily loaded extras (``sp`` here).

scipy's array-API layer copies the numpy namespace when it is first imported (its
``clone_module`` reads every public name of numpy), which imports numpy's lazily loaded
submodules, among them ``numpy.f2py`` (Fortran wrapper generator), ``numpy.testing``,
``numpy.ma``, ``numpy.polynomial`` and ``numpy.char``, none of which labelling uses. While
scipy.sparse is imported here those (:data:`LEFT_OUT`) are left out of numpy's public
names; they are restored at once, and stay importable (``import numpy.ma``) and reachable
(``numpy.ma``) as ever. What relies on this: scipy reaches none of them through its copy
of the namespace (its ``xp.testing`` serves scipy's own test helpers only), so the copy
lacking them changes nothing scipy computes. Once scipy.sparse is imported (by
scikit-learn in training, say), this is a plain import.
"""

from __future__ import annotations

import sys

#: numpy submodules that scipy's copy of the numpy namespace need not hold (``random`` is
#: not among them: scipy imports it anyway).
LEFT_OUT = ("f2py", "testing", "ma", "polynomial", "char", "strings", "rec", "ctypeslib",
            "core")


def _import_sparse():
    if "scipy.sparse" in sys.modules:
        import scipy.sparse

        return scipy.sparse
    import numpy

    names = getattr(numpy, "__all__", None)
    listing = numpy.__dict__.get("__dir__")
    left_out = [n for n in LEFT_OUT if f"numpy.{n}" not in sys.modules]
    if not isinstance(names, list) or listing is None or not left_out:
        import scipy.sparse

        return scipy.sparse
    try:
        numpy.__all__ = [n for n in names if n not in left_out]
        numpy.__dir__ = lambda: [n for n in listing() if n not in left_out]
        import scipy.sparse
    finally:
        numpy.__all__ = names
        numpy.__dir__ = listing
    return scipy.sparse


sp = _import_sparse()
