"""The topic map's circles: none covers another, all inside the map, the same every time."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from topics.topic.view import GAP, spread_circles

SIZE = 420.0


def _apart(centres, radii, gap=GAP):
    for i in range(len(radii)):
        for j in range(i + 1, len(radii)):
            distance = float(np.hypot(*(centres[i] - centres[j])))
            if distance < radii[i] + radii[j] + gap - 1e-6:
                return False
    return True


def test_circles_on_one_spot_are_spread():
    centres = np.full((11, 2), 210.0)
    radii = np.full(11, 25.0)
    moved, kept = spread_circles(centres, radii, SIZE)
    assert _apart(moved, kept)
    assert np.allclose(kept, radii)  # room enough: no circle shrunk
    again, _ = spread_circles(centres, radii, SIZE)
    assert np.array_equal(moved, again)


def test_circles_apart_already_stay_where_they_are():
    centres = np.array([[100.0, 100.0], [300.0, 300.0], [100.0, 300.0]])
    moved, radii = spread_circles(centres, np.array([30.0, 40.0, 20.0]), SIZE)
    assert np.array_equal(moved, centres) and radii.tolist() == [30.0, 40.0, 20.0]


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(st.floats(0, SIZE), st.floats(0, SIZE), st.floats(8, 120)),
                min_size=1, max_size=16))
def test_no_circle_covers_another_and_all_stay_inside(circles):
    centres = np.array([[x, y] for x, y, _ in circles])
    radii = np.array([r for *_, r in circles])
    moved, kept = spread_circles(centres, radii, SIZE)
    assert _apart(moved, kept)
    assert (moved - kept[:, None] >= -1e-9).all() and (moved + kept[:, None] <= SIZE + 1e-9).all()
    assert (kept <= radii + 1e-9).all() and (kept > 0).all()
    ratio = kept / radii  # shrunk, if at all, all alike: areas keep their proportions
    assert np.allclose(ratio, ratio[0])
