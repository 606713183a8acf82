"""The collector policy of server processes: thresholds, freezing and recorded pauses."""

import gc

import pytest

from csbot import gcpolicy


@pytest.fixture
def restore_gc():
    thresholds = gc.get_threshold()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()
    if gcpolicy._record in gc.callbacks:
        gc.callbacks.remove(gcpolicy._record)


def pauses(generation):
    return gcpolicy.gc_pause.labels(generation=str(generation))._sum.get()


def test_thresholds_are_parsed_strictly():
    assert gcpolicy.parse_thresholds("10000,20,100") == (10000, 20, 100)
    for bad in ("", "700,10", "700,10,10,1", "a,b,c", "0,10,10", "-1,10,10"):
        with pytest.raises(ValueError):
            gcpolicy.parse_thresholds(bad)


def test_apply_sets_thresholds_freezes_and_records_pauses(restore_gc):
    gcpolicy.apply(freeze=True, thresholds="12345,20,100")
    assert gc.get_threshold() == (12345, 20, 100)
    assert gc.get_freeze_count() > 0  # what was loaded is out of later collections
    gcpolicy.apply(freeze=False, thresholds="12345,20,100")
    assert gc.callbacks.count(gcpolicy._record) == 1  # applying twice records each pause once
    before = pauses(2)
    gc.collect()
    assert pauses(2) > before



def test_the_entry_point_loads_the_workers_before_it_freezes():
    """What the workers import is frozen with the rest, not loaded later by their first task."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    probe = (
        "import gc, sys; frozen = []\n"
        "import csbot.gcpolicy as g; apply = g.apply\n"
        "g.apply = lambda **kw: frozen.extend(m for m in ('chat.notifier', 'chat.bot.runner') if m in sys.modules)\n"
        "import csbot.asgi\n"
        "print(sorted(frozen))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "csbot.settings", "DEBUG": "1"}
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "['chat.bot.runner', 'chat.notifier']", out.stderr[-2000:]
