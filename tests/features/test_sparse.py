"""scipy.sparse imported without numpy's lazily loaded extras, numpy left as it was."""

import subprocess
import sys

CHECK = r"""
import sys, numpy
names, listing = list(numpy.__all__), dir(numpy)
from topics.features.sparse import LEFT_OUT, sp
left = [f"numpy.{name}" for name in LEFT_OUT if f"numpy.{name}" in sys.modules]
assert not left, left
assert numpy.__all__ == names and dir(numpy) == listing  # restored
assert "testing" in numpy.__all__ and "f2py" in dir(numpy) and "ma" in dir(numpy)
m = sp.csr_matrix(numpy.array([[1.0, 0.0], [0.0, 2.0]]))
assert (m @ numpy.array([1.0, 1.0])).tolist() == [1.0, 2.0]
assert sp.hstack([m, m]).tocsr().shape == (2, 4)
import numpy.testing  # still there for whoever asks
numpy.testing.assert_array_equal(m.toarray(), [[1.0, 0.0], [0.0, 2.0]])
assert numpy.ma.masked_array([1.0]).sum() == 1.0 and numpy.char.upper("a") == "A"
print("ok")
"""


def test_scipy_sparse_comes_without_numpy_extras_and_numpy_is_unchanged():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_once_imported_it_is_the_same_module():
    import scipy.sparse

    from topics.features.sparse import _import_sparse, sp

    assert sp is scipy.sparse and _import_sparse() is scipy.sparse
