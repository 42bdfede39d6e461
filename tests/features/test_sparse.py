"""scipy.sparse imported without numpy's f2py and testing, numpy left as it was."""

import subprocess
import sys

CHECK = r"""
import sys, numpy
names, listing = list(numpy.__all__), dir(numpy)
from topics.features.sparse import sp
assert "numpy.f2py" not in sys.modules and "numpy.testing" not in sys.modules
assert numpy.__all__ == names and dir(numpy) == listing  # restored
assert "testing" in numpy.__all__ and "f2py" in dir(numpy)
m = sp.csr_matrix(numpy.array([[1.0, 0.0], [0.0, 2.0]]))
assert (m @ numpy.array([1.0, 1.0])).tolist() == [1.0, 2.0]
assert sp.hstack([m, m]).tocsr().shape == (2, 4)
import numpy.testing  # still there for whoever asks
numpy.testing.assert_array_equal(m.toarray(), [[1.0, 0.0], [0.0, 2.0]])
print("ok")
"""


def test_scipy_sparse_comes_without_numpy_f2py_and_testing_and_numpy_is_unchanged():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_once_imported_it_is_the_same_module():
    import scipy.sparse

    from topics.features.sparse import _import_sparse, sp

    assert sp is scipy.sparse and _import_sparse() is scipy.sparse
