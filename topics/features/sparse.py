"""``scipy.sparse``, imported without numpy's ``f2py`` and ``testing`` (``sp`` here).

scipy's array-API layer copies the numpy namespace when it is first imported (its
``clone_module`` reads every public name of numpy), which imports numpy's lazily loaded
submodules, among them ``numpy.f2py`` (Fortran wrapper generator) and ``numpy.testing``:
0.1-0.2 s of every command's start that labelling never uses. While scipy.sparse is
imported here those two are left out of numpy's public names; they are restored at once,
and stay importable (``import numpy.testing``) as ever. Once scipy.sparse is imported (by
scikit-learn in training, say), this is a plain import.
"""

from __future__ import annotations

import sys

#: numpy submodules that scipy's copy of the numpy namespace need not hold.
LEFT_OUT = ("f2py", "testing")


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
