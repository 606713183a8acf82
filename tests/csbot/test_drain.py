"""The pace of going away: slices that tell every socket once, within the time allowed."""

import pytest

from csbot.drain import SLICE_S, plan


@pytest.mark.parametrize(("count", "rate", "max_s"), [(1, 100, 10), (500, 100, 10), (10_000, 100, 10), (7, 1000, 10),
                                                     (1000, 100, 2)])
def test_plan_tells_every_socket_once_within_the_limit(count, rate, max_s):
    size, slices = plan(count, rate=rate, max_s=max_s)
    assert size * slices >= count > size * (slices - 1)
    assert (slices - 1) * SLICE_S <= max_s
    # At the rate asked when the limit allows it.
    assert slices * SLICE_S >= min(count / rate, max_s) - SLICE_S


def test_plan_of_nothing():
    assert plan(0, rate=100, max_s=10) == (0, 0)
